"""The official Kubernetes Python client (Debian's python3-kubernetes) against
a running gantry server with its embedded agent: every call a script would
make on pods, nodes, namespaces, priority classes and PodGroups, decoded by
the client's own models (which reject objects missing a required field).

Usage: python_client_checks.py KUBECONFIG NODE_NAME"""
import os
import sys
import threading
import time

from checks_lib import report, failures, wait_for
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

KUBECONFIG, NODE = sys.argv[1], sys.argv[2]
config.load_kube_config(config_file=KUBECONFIG)
core = client.CoreV1Api()
scheduling = client.SchedulingV1Api()
custom = client.CustomObjectsApi()
version = client.VersionApi()
NS = "pyclient"
MARK = "gantry-it-marker-py"


def attempt(name, fn):
    """Runs one client call; a raised error is a failed check with its text."""
    try:
        value = fn()
        return value
    except Exception as e:  # the client's own decoding errors are what we look for
        report(name, False, f"{type(e).__name__}: {e}")
        return None


def pod(name, command, restart="Never"):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={"app": "py"}),
        spec=client.V1PodSpec(
            restart_policy=restart,
            termination_grace_period_seconds=1,
            containers=[client.V1Container(name="main", image="busybox", command=["sh", "-c", command])]))


info = attempt("get_code", lambda: version.get_code())
report("VersionApi.get_code reads /version", info is not None and info.git_version.startswith("v1."),
       info)

# Namespaces.
ns = attempt("create_namespace", lambda: core.create_namespace(client.V1Namespace(
    metadata=client.V1ObjectMeta(name=NS, labels={"team": "py"}))))
report("create_namespace", ns is not None and ns.metadata.name == NS)
names = attempt("list_namespace", lambda: [n.metadata.name for n in core.list_namespace().items])
report("list_namespace includes it and default", names is not None and NS in names and "default" in names, names)
ns = attempt("read_namespace", lambda: core.read_namespace(NS))
report("read_namespace is Active", ns is not None and ns.status.phase == "Active", ns and ns.status)
ns = attempt("patch_namespace", lambda: core.patch_namespace(NS, {"metadata": {"labels": {"team": "python"}}}))
report("patch_namespace changes a label", ns is not None and ns.metadata.labels.get("team") == "python")

# Nodes: the embedded agent's node decodes with every required field.
nodes = attempt("list_node", lambda: core.list_node().items)
report("list_node decodes the agent's node", nodes is not None and NODE in [n.metadata.name for n in nodes])
node = attempt("read_node", lambda: core.read_node(NODE))
if node is not None:
    ni = node.status.node_info
    report("read_node has nodeInfo's required fields",
           all([ni.boot_id, ni.machine_id, ni.system_uuid, ni.kernel_version, ni.os_image,
                ni.architecture, ni.operating_system, ni.kubelet_version]) and
           ni.container_runtime_version is not None and ni.kube_proxy_version is not None, ni)
    report("read_node is Ready", any(c.type == "Ready" and c.status == "True" for c in node.status.conditions))
node = attempt("patch_node", lambda: core.patch_node(NODE, {"metadata": {"labels": {"py": "yes"}}}))
report("patch_node adds a label", node is not None and node.metadata.labels.get("py") == "yes")
node = attempt("patch_node", lambda: core.patch_node(NODE, {"metadata": {"labels": {"py": None}}}))
report("patch_node removes it with null", node is not None and "py" not in (node.metadata.labels or {}))

# Priority classes.
pc = attempt("create_priority_class", lambda: scheduling.create_priority_class(client.V1PriorityClass(
    metadata=client.V1ObjectMeta(name="py-high"), value=1000, description="from python")))
report("create_priority_class", pc is not None and pc.value == 1000)
pcs = attempt("list_priority_class", lambda: [p.metadata.name for p in scheduling.list_priority_class().items])
report("list_priority_class includes it and the built-ins",
       pcs is not None and "py-high" in pcs and "system-node-critical" in pcs, pcs)
pc = attempt("patch_priority_class", lambda: scheduling.patch_priority_class("py-high", {"description": "patched"}))
report("patch_priority_class", pc is not None and pc.description == "patched")

# A watch started before the pods exist sees them arrive.
seen = []
watcher = watch.Watch()


def follow_pods():
    try:
        for event in watcher.stream(core.list_namespaced_pod, NS, timeout_seconds=60):
            seen.append((event["type"], event["object"].metadata.name, event["object"].status.phase))
    except Exception as e:
        seen.append(("ERROR", repr(e), None))


watch_thread = threading.Thread(target=follow_pods, daemon=True)
watch_thread.start()
time.sleep(0.5)

# Pods: one that prints a line a second for a while, one that is done at once.
created = attempt("create_namespaced_pod", lambda: core.create_namespaced_pod(
    NS, pod("ticker", f"for i in 1 2 3 4; do echo tick $i; sleep 1; done # {MARK}")))
report("create_namespaced_pod", created is not None and created.metadata.uid)
attempt("create_namespaced_pod", lambda: core.create_namespaced_pod(NS, pod("quick", f"echo done # {MARK}")))


def phase(name):
    try:
        return core.read_namespaced_pod(name, NS).status.phase
    except Exception:
        return None


report("the ticker runs", wait_for(lambda: phase("ticker") == "Running", timeout=30), phase("ticker"))
p = attempt("read_namespaced_pod (running)", lambda: core.read_namespaced_pod("ticker", NS))
report("read_namespaced_pod decodes a started pod's container status",
       p is not None and p.status.container_statuses and p.status.container_statuses[0].image_id is not None
       and p.status.container_statuses[0].state.running is not None, p and p.status)

# follow=True streams lines as they are written, before the container ends.
stream = attempt("read_namespaced_pod_log(follow)", lambda: core.read_namespaced_pod_log(
    "ticker", NS, follow=True, _preload_content=False))
if stream is not None:
    first_line_at, lines, buffer = None, [], b""
    for chunk in stream.stream(64):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            lines.append(line.decode())
            if first_line_at is None:
                first_line_at = time.time()
                running_then = phase("ticker") == "Running"
    report("log follow streams every line", lines[-4:] == ["tick 1", "tick 2", "tick 3", "tick 4"], lines)
    report("... and the first arrives while the container still runs", first_line_at is not None and running_then)

report("quick succeeds", wait_for(lambda: phase("quick") == "Succeeded", timeout=30),
       attempt("read", lambda: core.read_namespaced_pod("quick", NS).status))
log = attempt("read_namespaced_pod_log", lambda: core.read_namespaced_pod_log("quick", NS))
report("read_namespaced_pod_log", log == "done\n", repr(log))
log = attempt("read_namespaced_pod_log(limit_bytes)", lambda: core.read_namespaced_pod_log("quick", NS, limit_bytes=2))
report("read_namespaced_pod_log(limit_bytes=2)", log == "do", repr(log))
log = attempt("read_namespaced_pod_log(timestamps)", lambda: core.read_namespaced_pod_log("quick", NS, timestamps=True))
report("read_namespaced_pod_log(timestamps=True) prefixes each line with its RFC 3339 time",
       log is not None and log.endswith(" done\n") and log[4] == "-" and log.split(" ")[0].endswith("Z"), repr(log))
attempt("create_namespaced_pod", lambda: core.create_namespaced_pod(
    NS, pod("clock", f"echo early; sleep 3; echo late; sleep 30 # {MARK}")))


def log_of(name):
    try:
        return core.read_namespaced_pod_log(name, NS)
    except ApiException:  # not started yet
        return ""


wait_for(lambda: "late" in log_of("clock"), timeout=30, every=0.2)
log = attempt("read_namespaced_pod_log(since_seconds)", lambda: core.read_namespaced_pod_log(
    "clock", NS, since_seconds=2))
report("read_namespaced_pod_log(since_seconds=2) leaves out older lines", log == "late\n", repr(log))
attempt("delete_namespaced_pod", lambda: core.delete_namespaced_pod("clock", NS, grace_period_seconds=0))

# A restarted container's previous instance keeps its log.
flag = f"/tmp/{MARK}-{os.getpid()}"
attempt("create_namespaced_pod", lambda: core.create_namespaced_pod(NS, pod(
    "restarter", f"if [ -e {flag} ]; then echo second; sleep 30; else touch {flag}; echo first; exit 1; fi # {MARK}",
    restart="OnFailure")))


def restarted():
    try:
        statuses = core.read_namespaced_pod("restarter", NS).status.container_statuses or []
        return statuses and statuses[0].restart_count == 1 and statuses[0].state.running is not None
    except Exception:
        return False


report("the restarter restarts once", wait_for(restarted, timeout=40))
log = attempt("read_namespaced_pod_log(previous)", lambda: core.read_namespaced_pod_log("restarter", NS, previous=True))
report("read_namespaced_pod_log(previous=True) is the instance before the restart", log == "first\n", repr(log))
report("... and without it, the running instance", wait_for(lambda: log_of("restarter") == "second\n", timeout=10),
       repr(log_of("restarter")))
if os.path.exists(flag):
    os.remove(flag)

pods = attempt("list_namespaced_pod", lambda: core.list_namespaced_pod(NS, label_selector="app=py").items)
report("list_namespaced_pod with a label selector", pods is not None and
       sorted(p.metadata.name for p in pods) == ["quick", "restarter", "ticker"], pods and [p.metadata.name for p in pods])
everywhere = attempt("list_pod_for_all_namespaces", lambda: core.list_pod_for_all_namespaces().items)
report("list_pod_for_all_namespaces", everywhere is not None and len(everywhere) >= 2)
p = attempt("patch_namespaced_pod", lambda: core.patch_namespaced_pod(
    "quick", NS, {"metadata": {"annotations": {"note": "patched"}}}))
report("patch_namespaced_pod", p is not None and p.metadata.annotations.get("note") == "patched")
p = attempt("patch_namespaced_pod (JSON patch)", lambda: core.patch_namespaced_pod(
    "quick", NS, [{"op": "add", "path": "/metadata/labels/extra", "value": "1"}]))
report("patch_namespaced_pod with a JSON patch list", p is not None and p.metadata.labels.get("extra") == "1")

try:
    core.read_namespaced_pod("absent", NS)
    report("a missing pod raises ApiException 404", False)
except ApiException as e:
    report("a missing pod raises ApiException 404", e.status == 404, e)

# DELETE answers with the pod while it terminates, then it is gone.
deleted = attempt("delete_namespaced_pod", lambda: core.delete_namespaced_pod("ticker", NS))
report("delete_namespaced_pod of a bound pod returns it, terminating",
       deleted is not None and getattr(deleted, "metadata", None) is not None and
       deleted.metadata.deletion_timestamp is not None, deleted)
report("... and it goes", wait_for(lambda: phase("ticker") is None, timeout=30))
attempt("delete_namespaced_pod", lambda: core.delete_namespaced_pod("quick", NS, grace_period_seconds=0))
attempt("delete_namespaced_pod", lambda: core.delete_namespaced_pod("restarter", NS, grace_period_seconds=0))
report("the watch saw ADDED, MODIFIED and DELETED", wait_for(lambda: {"ADDED", "MODIFIED", "DELETED"} <= {
    t for t, n, _ in seen if n == "ticker"}, timeout=15), seen)
report("... with no decoding error", not [s for s in seen if s[0] == "ERROR"], seen)


def ticker_reasons():
    listed = core.list_namespaced_event(NS, field_selector="involvedObject.name=ticker").items
    return {e.reason for e in listed}


report("list_namespaced_event: the ticker's lifecycle as kubectl describe shows it",
       wait_for(lambda: {"Scheduled", "Created", "Started", "Killing"} <= ticker_reasons(), timeout=10),
       attempt("list_namespaced_event", ticker_reasons))
watcher.stop()

# PodGroups through the custom objects API, in the scheduler-plugins shape.
group = {"apiVersion": "scheduling.x-k8s.io/v1alpha1", "kind": "PodGroup",
         "metadata": {"name": "py-gang"}, "spec": {"minMember": 2}}
g = attempt("create_namespaced_custom_object", lambda: custom.create_namespaced_custom_object(
    "scheduling.x-k8s.io", "v1alpha1", NS, "podgroups", group))
report("create a PodGroup", g is not None and g["spec"]["minMember"] == 2, g)
groups = attempt("list_namespaced_custom_object", lambda: custom.list_namespaced_custom_object(
    "scheduling.x-k8s.io", "v1alpha1", NS, "podgroups"))
report("list PodGroups", groups is not None and [i["metadata"]["name"] for i in groups["items"]] == ["py-gang"],
       groups)
g = attempt("patch_namespaced_custom_object", lambda: custom.patch_namespaced_custom_object(
    "scheduling.x-k8s.io", "v1alpha1", NS, "podgroups", "py-gang", {"spec": {"minMember": 3}}))
report("patch a PodGroup", g is not None and g["spec"]["minMember"] == 3, g)
g = attempt("get_namespaced_custom_object", lambda: custom.get_namespaced_custom_object(
    "scheduling.x-k8s.io", "v1alpha1", NS, "podgroups", "py-gang"))
report("read a PodGroup", g is not None and g["spec"]["minMember"] == 3, g)
gone = attempt("delete_namespaced_custom_object", lambda: custom.delete_namespaced_custom_object(
    "scheduling.x-k8s.io", "v1alpha1", NS, "podgroups", "py-gang"))
report("delete a PodGroup", gone is not None)

gone = attempt("delete_priority_class", lambda: scheduling.delete_priority_class("py-high"))
report("delete_priority_class", gone is not None)

# A deleted namespace is Terminating while its contents go.
attempt("create_namespaced_pod", lambda: core.create_namespaced_pod(NS, pod("last", f"sleep 30 # {MARK}")))
wait_for(lambda: phase("last") == "Running", timeout=30)
answer = attempt("delete_namespace", lambda: core.delete_namespace(NS))
report("delete_namespace answers", answer is not None)
ns = attempt("read_namespace (deleting)", lambda: core.read_namespace(NS))
report("a deleted namespace with a running pod is Terminating",
       ns is not None and ns.status.phase == "Terminating" and ns.metadata.deletion_timestamp is not None,
       ns and ns.status)


def namespace_gone():
    try:
        core.read_namespace(NS)
        return False
    except ApiException as e:
        return e.status == 404


report("... and goes once its pods are gone", wait_for(namespace_gone, timeout=30))
sys.exit(1 if failures() else 0)
