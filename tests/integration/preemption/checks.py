"""Preemption through the API against a simulated fleet (4 nodes x 4 cpu,
deletions confirmed by the fleet), checked from the store: only strictly
lower priorities and the fewest pods are evicted; preemptionPolicy Never
evicts nothing; a gang is never broken when single pods suffice, and when
it must be, the whole gang goes; the preemptor gets nominatedNodeName and
the victims the DisruptionTarget condition and a Preempted event.

Usage: checks.py PORT TOKEN
"""
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks_lib import TLS, Api, failures, report, wait_for  # noqa: E402

PORT, TOKEN = int(sys.argv[1]), sys.argv[2]
call = Api(PORT, TOKEN).call
PODS = "/api/v1/namespaces/default/pods"




def priority_class(name, value, policy=None):
    body = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name}, "value": value}
    if policy:
        body["preemptionPolicy"] = policy
    status, out = call("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", body)
    assert status == 201, out


def pod(name, cpu, cls, labels=None):
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": dict(labels or {}, test="preemption")},
            "spec": {"priorityClassName": cls,
                     "containers": [{"name": "c", "image": "busybox", "resources": {"requests": {"cpu": cpu}}}]}}
    status, out = call("POST", PODS, body)
    assert status == 201, out


def gang(name, size, cpu, cls):
    status, out = call("POST", "/apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups", {
        "apiVersion": "scheduling.gantry.io/v1alpha1", "kind": "PodGroup", "metadata": {"name": name},
        "spec": {"minMember": size}})
    assert status == 201, out
    for i in range(size):
        pod(f"{name}-{i}", cpu, cls, {"scheduling.gantry.io/pod-group": name})


def all_pods():
    status, out = call("GET", f"{PODS}?labelSelector=test%3Dpreemption")
    return {p["metadata"]["name"]: p for p in out["items"]}



def bound_count():
    return sum(1 for p in all_pods().values() if p["spec"].get("nodeName"))


def clear():
    for name in all_pods():
        call("DELETE", f"{PODS}/{name}?gracePeriodSeconds=0")
    for name in ["lg"]:
        call("DELETE", f"/apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups/{name}")
    wait_for(lambda: not all_pods())


class DisruptionWatch(threading.Thread):
    """Records the pods that ever carried the DisruptionTarget condition, and
    the nominatedNodeName each pod was given."""

    def __init__(self):
        super().__init__(daemon=True)
        self.marked = set()
        self.nominated = {}

    def run(self):
        conn = http.client.HTTPSConnection("127.0.0.1", PORT, context=TLS, timeout=600)
        conn.request("GET", f"{PODS}?watch=true&labelSelector=test%3Dpreemption",
                     headers={"Authorization": f"Bearer {TOKEN}"})
        resp = conn.getresponse()
        buf = b""
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                obj = json.loads(line)["object"]
                if obj.get("status", {}).get("nominatedNodeName"):
                    self.nominated[obj["metadata"]["name"]] = obj["status"]["nominatedNodeName"]
                for c in obj.get("status", {}).get("conditions", []):
                    if c["type"] == "DisruptionTarget" and c.get("reason") == "PreemptionByScheduler":
                        self.marked.add(obj["metadata"]["name"])


watch = DisruptionWatch()
watch.start()
priority_class("low", 100)
priority_class("mid", 500)
priority_class("between", 300)
priority_class("high", 1000)
priority_class("high-never", 1000, "Never")

# Phase 1: 12 low and 4 mid single pods fill the 16 cpus.
for i in range(12):
    pod(f"low-{i}", "1", "low")
for i in range(4):
    pod(f"mid-{i}", "1", "mid")
report("16 one-cpu pods fill the fleet", wait_for(lambda: bound_count() == 16), bound_count())

pod("never", "2", "high-never")
time.sleep(2)
pods = all_pods()
report("preemptionPolicy Never evicts nothing", len(pods) == 17 and not pods["never"]["spec"].get("nodeName"),
       sorted(pods))
call("DELETE", f"{PODS}/never?gracePeriodSeconds=0")
wait_for(lambda: "never" not in all_pods())

before = all_pods()
start = time.time()
pod("urgent", "2", "high")
bound_at = wait_for(lambda: call("GET", f"{PODS}/urgent")[1].get("spec", {}).get("nodeName") and time.time(),
                    every=0.005)
after = all_pods()
gone = sorted(set(before) - set(after))
print(f"# preemption: created -> bound in {((bound_at or time.time()) - start) * 1000:.0f} ms (polled every 5 ms)")
urgent = after.get("urgent", {})
report("the high-priority pod binds through preemption", bool(bound_at))
report("... evicting the fewest pods (2 of 1 cpu for 2 cpu)", len(gone) == 2, gone)
report("... only of strictly lower priority, the lowest first (low, not mid)",
       all(g.startswith("low-") for g in gone), gone)
report("... from the node it was nominated to",
       all(before[g]["spec"]["nodeName"] == urgent.get("spec", {}).get("nodeName") for g in gone) and
       watch.nominated.get("urgent") == urgent.get("spec", {}).get("nodeName"),
       (watch.nominated.get("urgent"), [before[g]["spec"]["nodeName"] for g in gone]))
report("... the victims carried DisruptionTarget (PreemptionByScheduler)",
       wait_for(lambda: set(gone) <= watch.marked, 5), (gone, watch.marked))
status, events = call("GET", "/api/v1/namespaces/default/events")
preempted = [e for e in events["items"] if e.get("reason") == "Preempted"]
report("... and a Preempted event naming the preemptor",
       len(preempted) >= 2 and all("default/urgent" in e["message"] for e in preempted),
       [e.get("message") for e in preempted])
clear()

# Phase 2: a low gang of 4 and 12 low single pods; a high gang of 2 x 2 cpu
# needs 4 cpu: single pods suffice, so no gang is broken.
gang("lg", 4, "1", "low")
report("a low-priority gang of 4 binds", wait_for(lambda: bound_count() == 4), bound_count())
for i in range(12):
    pod(f"single-{i}", "1", "low")
wait_for(lambda: bound_count() == 16)
before = all_pods()
gang("hg", 2, "2", "high")
done = wait_for(lambda: all(all_pods().get(f"hg-{i}", {}).get("spec", {}).get("nodeName") for i in range(2)))
after = all_pods()
gone = sorted(set(before) - set(after))
report("a gang preemptor binds whole", bool(done), sorted(after))
report("... evicting single pods rather than breaking a gang (fewest gangs broken first)",
       len(gone) == 4 and all(g.startswith("single-") for g in gone), gone)
report("... the victim gang stays whole", all(f"lg-{i}" in after for i in range(4)))
call("DELETE", "/apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups/hg")
clear()

# Phase 3: the low gang and 12 mid pods; a preemptor of priority 300 may
# only take low-priority pods, all in the gang: it takes the whole gang.
gang("lg", 4, "1", "low")
wait_for(lambda: bound_count() == 4)
for i in range(12):
    pod(f"mid-{i}", "1", "mid")
wait_for(lambda: bound_count() == 16)
before = all_pods()
pod("between", "1", "between")
done = wait_for(lambda: all_pods().get("between", {}).get("spec", {}).get("nodeName"))
after = all_pods()
gone = sorted(set(before) - set(after))
report("a victim gang goes whole: no gang is left below minMember", bool(done) and
       gone == [f"lg-{i}" for i in range(4)], gone)
report("... and nothing of equal or higher priority is touched", all(f"mid-{i}" in after for i in range(12)))

# The room is held: on a node without an agent the victim stays Terminating
# until removed by hand; a lower-priority pod created meanwhile must not take
# the room the victim leaves.
clear()
alloc = {"cpu": "3", "memory": "8Gi", "pods": "110"}
call("POST", "/api/v1/nodes", {"metadata": {"name": "held-0", "labels": {"hold": "yes"}},
                               "status": {"capacity": alloc, "allocatable": alloc,
                                          "conditions": [{"type": "Ready", "status": "True"}]}})


def held_pod(name, cpu, cls):
    status, out = call("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": name, "labels": {"test": "preemption"}},
                                      "spec": {"priorityClassName": cls, "nodeSelector": {"hold": "yes"},
                                               "containers": [{"name": "c", "image": "busybox",
                                                               "resources": {"requests": {"cpu": cpu}}}]}})
    assert status == 201, out


held_pod("keep", "1", "high")
held_pod("victim", "2", "low")
wait_for(lambda: bound_count() == 2)
held_pod("taker", "2", "high")
terminating = wait_for(lambda: all_pods().get("victim", {}).get("metadata", {}).get("deletionTimestamp"))
held_pod("sneaky", "2", "low")
time.sleep(0.5)
call("DELETE", f"{PODS}/victim?gracePeriodSeconds=0")
taken = wait_for(lambda: all_pods().get("taker", {}).get("spec", {}).get("nodeName") == "held-0")
time.sleep(0.5)
report("the freed room is held for the preemptor: a lower-priority pod created meanwhile does not take it",
       bool(terminating) and bool(taken) and not all_pods().get("sneaky", {}).get("spec", {}).get("nodeName"),
       {n: p["spec"].get("nodeName") for n, p in all_pods().items()})
call("DELETE", "/api/v1/nodes/held-0")

# Priority admission: a pod's priority cannot change; globalDefault applies
# to pods naming no class.
current = all_pods()["taker"]
conn_status, patched = call("PUT", f"{PODS}/taker", dict(current, spec=dict(current["spec"], priority=5)))
report("changing a pod's priority after creation is refused", conn_status == 422, (conn_status, patched.get("message")))
status, out = call("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
                   {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "everyone"},
                    "value": 42, "globalDefault": True})
status, created = call("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": "plain", "labels": {"test": "preemption"}},
                                      "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
report("the globalDefault PriorityClass applies to a pod naming none",
       created.get("spec", {}).get("priority") == 42 and created["spec"].get("priorityClassName") == "everyone",
       created.get("spec"))
status, out = call("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nope"},
                                  "spec": {"priorityClassName": "no-such-class",
                                           "containers": [{"name": "c", "image": "busybox"}]}})
report("an unknown PriorityClass is refused with 403 naming it", status == 403 and "no-such-class" in out.get("message", ""),
       (status, out.get("message")))
status, out = call("GET", "/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical")
report("system-node-critical exists", status == 200 and out.get("value") == 2000001000, out)
sys.exit(1 if failures() else 0)
