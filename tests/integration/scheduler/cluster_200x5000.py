"""The scheduler integration workload: 200 nodes of mixed sizes, labels and
taints, and 5,000 pods of mixed shapes. `generate DIR` writes nodes.yaml and
pods.yaml; `verify NODES_JSON PODS_JSON` checks the outcome from the store and
prints one TAP line per rule ("ok - ..." / "not ok - ...")."""
import json
import sys

ZONES = ["z0", "z1", "z2", "z3"]


def nodes():
    out = []
    for i in range(100):
        out.append(dict(name=f"small-{i}", cpu="4", memory="8Gi", pods="110",
                        labels={"size": "small", "zone": ZONES[i % 4]}))
    for i in range(60):
        labels = {"size": "large", "zone": ZONES[i % 4]}
        if i % 2 == 0:
            labels["disk"] = "ssd"
        out.append(dict(name=f"large-{i}", cpu="16", memory="64Gi", pods="110", labels=labels))
    for i in range(20):
        out.append(dict(name=f"gpu-{i}", cpu="8", memory="32Gi", pods="110", gpu="4",
                        labels={"size": "gpu", "zone": ZONES[i % 4]},
                        taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]))
    for i in range(20):
        out.append(dict(name=f"tiny-{i}", cpu="1", memory="2Gi", pods="10",
                        labels={"size": "tiny", "zone": ZONES[i % 4]}, unschedulable=i < 10))
    return out


def node_manifest(n):
    alloc = {"cpu": n["cpu"], "memory": n["memory"], "pods": n["pods"]}
    if "gpu" in n:
        alloc["nvidia.com/gpu"] = n["gpu"]
    labels = dict(n["labels"], **{"kubernetes.io/hostname": n["name"]})
    spec = {}
    if n.get("taints"):
        spec["taints"] = n["taints"]
    if n.get("unschedulable"):
        spec["unschedulable"] = True
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": n["name"], "labels": labels},
            "spec": spec, "status": {"capacity": alloc, "allocatable": alloc}}


def pod(name, group, cpu, memory, extra=None, labels=None, gpu=None):
    requests = {"cpu": cpu, "memory": memory}
    if gpu:
        requests["nvidia.com/gpu"] = gpu
    spec = {"containers": [{"name": "c", "image": "busybox", "resources": {"requests": requests}}]}
    spec.update(extra or {})
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": dict(labels or {}, group=group)},
            "spec": spec}


def pods():
    out = []
    cpus = ["100m", "200m", "250m", "300m", "150m"]
    mems = ["128Mi", "256Mi", "512Mi", "64Mi"]
    for i in range(3775):
        out.append(pod(f"plain-{i}", "plain", cpus[i % 5], mems[i % 4]))
    for i in range(500):
        out.append(pod(f"ssd-{i}", "ssd", "200m", "256Mi", {"nodeSelector": {"disk": "ssd"}}))
    for i in range(300):
        out.append(pod(f"gpu-{i}", "gpu", "100m", "128Mi",
                       {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu",
                                         "effect": "NoSchedule"}]}, gpu="1"))
    for i in range(20):
        out.append(pod(f"cache-{i}", "cache", "100m", "128Mi", {"nodeSelector": {"zone": "z1"}},
                       labels={"app": "cache"}))
    for i in range(200):
        out.append(pod(f"near-{i}", "near", "100m", "128Mi", {"affinity": {"podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "zone"}]}}}))
    for i in range(200):
        out.append(pod(f"spread-{i}", "spread", "10m", "16Mi", {"affinity": {"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "spread"}}, "topologyKey": "kubernetes.io/hostname"}]}}},
                       labels={"app": "spread"}))
    for i in range(5):
        out.append(pod(f"huge-{i}", "huge", "64", "1Gi"))
    assert len(out) == 5000
    return out


def write_yaml(path, objects):
    # JSON is YAML: one document per object.
    with open(path, "w") as f:
        for o in objects:
            f.write("---\n" + json.dumps(o) + "\n")


QUANTITY = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}


def qty(s):
    for suffix in sorted(QUANTITY, key=len, reverse=True):
        if s.endswith(suffix):
            return float(s[: -len(suffix)]) * QUANTITY[suffix]
    return float(s)


def verify(nodes_json, pods_json):
    nodes_by_name = {n["metadata"]["name"]: n for n in json.load(open(nodes_json))["items"]}
    items = json.load(open(pods_json))["items"]
    failures = []

    def check(name, bad):
        print(("not ok - " if bad else "ok - ") + name)
        for b in bad[:5]:
            print("#   " + str(b))

    def group(p):
        return p["metadata"]["labels"]["group"]

    def node_of(p):
        return p["spec"].get("nodeName", "")

    def reason(p):
        for c in p.get("status", {}).get("conditions", []):
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return c.get("reason", "") + ": " + c.get("message", "")
        return ""

    bound = [p for p in items if node_of(p)]
    by_group = {}
    for p in items:
        by_group.setdefault(group(p), []).append(p)

    check("5,000 pods are in the store", [] if len(items) == 5000 else [len(items)])
    must_fit = ["plain", "ssd", "cache", "near"]
    check("every pod that can fit is bound (plain, ssd, cache, near)",
          [p["metadata"]["name"] + " " + reason(p) for g in must_fit for p in by_group[g] if not node_of(p)])

    used = {}
    for p in bound:
        u = used.setdefault(node_of(p), {"cpu": 0, "memory": 0, "nvidia.com/gpu": 0, "pods": 0})
        req = p["spec"]["containers"][0]["resources"]["requests"]
        for k in ("cpu", "memory", "nvidia.com/gpu"):
            u[k] += qty(req.get(k, "0"))
        u["pods"] += 1
    over = []
    for name, u in used.items():
        alloc = nodes_by_name[name]["status"]["allocatable"]
        for k, v in u.items():
            if v > qty(alloc.get(k, "0")) + 1e-9:
                over.append(f"{name}: {k} {v} > {alloc.get(k, '0')}")
    check("no node is over its allocatable (cpu, memory, gpu, pods)", over)

    def tolerates_gpu(p):
        return any(t.get("key") == "dedicated" for t in p["spec"].get("tolerations", []))

    check("taints respected: only tolerating pods on gpu nodes",
          [p["metadata"]["name"] for p in bound if node_of(p).startswith("gpu-") and not tolerates_gpu(p)])
    check("cordoned nodes get no pods",
          [p["metadata"]["name"] for p in bound if nodes_by_name[node_of(p)]["spec"].get("unschedulable")])
    check("nodeSelector respected: ssd pods on disk=ssd nodes",
          [p["metadata"]["name"] for p in by_group["ssd"]
           if node_of(p) and nodes_by_name[node_of(p)]["metadata"]["labels"].get("disk") != "ssd"])
    check("pod affinity respected: near pods in the cache pods' zone",
          [p["metadata"]["name"] for p in by_group["near"]
           if node_of(p) and nodes_by_name[node_of(p)]["metadata"]["labels"]["zone"] != "z1"])
    per_node = {}
    for p in by_group["spread"]:
        if node_of(p):
            per_node.setdefault(node_of(p), []).append(p["metadata"]["name"])
    check("anti-affinity respected: at most one spread pod per node",
          [f"{n}: {names}" for n, names in per_node.items() if len(names) > 1])
    spread_bound = sum(len(v) for v in per_node.values())
    check("anti-affinity pods fill the schedulable nodes that have room (>= 150 of 170)",
          [] if spread_bound >= 150 else [spread_bound])
    check("spread pods left over say why (anti-affinity)",
          [p["metadata"]["name"] + " " + reason(p) for p in by_group["spread"]
           if not node_of(p) and "anti-affinity" not in reason(p)])

    gpu_bound = sum(1 for p in by_group["gpu"] if node_of(p))
    check("exactly as many gpu pods bound as there are GPUs (80)", [] if gpu_bound == 80 else [gpu_bound])
    check("gpu pods left over say Insufficient nvidia.com/gpu",
          [p["metadata"]["name"] + " " + reason(p) for p in by_group["gpu"]
           if not node_of(p) and "Insufficient nvidia.com/gpu" not in reason(p)])
    check("pods too big for any node stay pending with the right reason",
          [p["metadata"]["name"] + " [" + reason(p) + "]" for p in by_group["huge"]
           if node_of(p) or not reason(p).startswith("Unschedulable: 0/200 nodes are available:")
           or "Insufficient cpu" not in reason(p)])


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        write_yaml(sys.argv[2] + "/nodes.yaml", [node_manifest(n) for n in nodes()])
        write_yaml(sys.argv[2] + "/pods.yaml", pods())
    elif sys.argv[1] == "settled":
        # Exit 0 once every unbound pod carries its PodScheduled=False reason.
        items = json.load(open(sys.argv[2]))["items"]
        waiting = [p for p in items if not p["spec"].get("nodeName") and not any(
            c["type"] == "PodScheduled" and c["status"] == "False" for c in p.get("status", {}).get("conditions", []))]
        print(f"{len(items)} pods, {len(waiting)} not yet settled")
        sys.exit(0 if len(items) == 5000 and not waiting else 1)
    else:
        verify(sys.argv[2], sys.argv[3])
