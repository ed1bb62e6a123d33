"""Gang scheduling through the API, checked from the store: all-or-nothing
gangs, competing gangs, job-level topology affinity, pods waiting for a
missing group. Nodes are API objects (no agent); each scenario has its own
nodes (label `scenario`) and its pods select them.

Usage: gang_checks.py PORT TOKEN
Prints TAP-style "ok - " / "not ok - " lines (counted by tests/run.sh).
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks_lib import Api, failures, report, wait_for  # noqa: E402

PORT, TOKEN = int(sys.argv[1]), sys.argv[2]
call = Api(PORT, TOKEN).call
PODS = "/api/v1/namespaces/default/pods"




def node(name, scenario, cpu="1", labels=None):
    alloc = {"cpu": cpu, "memory": "4Gi", "pods": "110"}
    meta_labels = dict(labels or {}, scenario=scenario)
    meta_labels["kubernetes.io/hostname"] = name
    status, out = call("POST", "/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": meta_labels},
        "status": {"capacity": alloc, "allocatable": alloc,
                   "conditions": [{"type": "Ready", "status": "True"}]}})
    assert status == 201, out


def pod_group(name, min_member, required=None, preferred=None, timeout=None):
    spec = {"minMember": min_member}
    if timeout:
        spec["scheduleTimeoutSeconds"] = timeout
    affinity = {}
    if required:
        affinity["required"] = [{"topologyKey": required}]
    if preferred:
        affinity["preferred"] = [{"topologyKey": preferred}]
    if affinity:
        spec["affinity"] = {"podGroupAffinity": affinity}
    status, out = call("POST", "/apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups", {
        "apiVersion": "scheduling.gantry.io/v1alpha1", "kind": "PodGroup", "metadata": {"name": name},
        "spec": spec})
    assert status == 201, out


def pod(name, scenario, group=None, cpu="900m", priority_class=None):
    labels = {"scenario": scenario}
    if group:
        labels["scheduling.gantry.io/pod-group"] = group
    spec = {"nodeSelector": {"scenario": scenario},
            "containers": [{"name": "c", "image": "busybox", "resources": {"requests": {"cpu": cpu}}}]}
    if priority_class:
        spec["priorityClassName"] = priority_class
    status, out = call("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": name, "labels": labels}, "spec": spec})
    assert status == 201, out
    return out


def pods(selector):
    status, out = call("GET", f"{PODS}?labelSelector={selector}")
    assert status == 200, out
    return out["items"]


def bound(items):
    return [p for p in items if p["spec"].get("nodeName")]


def group_status(name):
    status, out = call("GET", f"/apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups/{name}")
    return out.get("status", {}) if status == 200 else {}



def condition_message(p):
    for c in p.get("status", {}).get("conditions", []):
        if c["type"] == "PodScheduled":
            return c.get("message", "")
    return ""


def scenario_all_or_nothing():
    for i in range(7):
        node(f"a-{i}", "a")
    pod_group("train", 8, timeout=2)
    for i in range(8):
        pod(f"train-{i}", "a", group="train")
    sel = "scheduling.gantry.io/pod-group=train"
    explained = wait_for(lambda: all("0/8 pods of gang default/train fit" in condition_message(p) for p in pods(sel)))
    items = pods(sel)
    report("a gang of 8 with room for 7 binds none", len(bound(items)) == 0, [p["spec"].get("nodeName") for p in items])
    report("... and every member says why, naming the gang", explained, [condition_message(p) for p in items])
    group = wait_for(lambda: group_status("train").get("phase") == "Timeout" and group_status("train"), 10)
    report("after scheduleTimeoutSeconds the PodGroup's phase is Timeout", bool(group), group_status("train"))
    status, events = call("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dtrain")
    report("... with a Timeout event", any(e.get("reason") == "Timeout" for e in events.get("items", [])),
           [e.get("reason") for e in events.get("items", [])])
    node("a-7", "a")
    done = wait_for(lambda: len(bound(pods(sel))) == 8)
    items = pods(sel)
    report("adding capacity binds all 8", done, len(bound(items)))
    revisions = sorted(int(p["metadata"]["resourceVersion"]) for p in items)
    report("... in one commit (consecutive revisions)", revisions[-1] - revisions[0] == 7, revisions)
    report("... one pod per node", len({p["spec"]["nodeName"] for p in items}) == 8)
    st = wait_for(lambda: group_status("train").get("phase") == "Scheduled" and group_status("train"))
    report("the status controller reports phase Scheduled and 8 scheduled", bool(st) and st.get("scheduled") == 8,
           group_status("train"))


def scenario_competing_gangs():
    for i in range(10):
        node(f"b-{i}", "b")
    for i in range(4):
        node(f"c-{i}", "c", cpu="4")
    pod_group("left", 6)
    pod_group("right", 6)
    singles = []

    def make(prefix, group):
        for i in range(6):
            pod(f"{prefix}-{i}", "b", group=group)

    threads = [threading.Thread(target=make, args=("left", "left")),
               threading.Thread(target=make, args=("right", "right"))]
    for t in threads:
        t.start()
    for i in range(12):
        singles.append(pod(f"single-{i}", "c"))
    for t in threads:
        t.join()
    settled = wait_for(lambda: len(bound(pods("scenario=b"))) >= 6 and
                       all(condition_message(p) for p in pods("scenario=b") if not p["spec"].get("nodeName")))
    time.sleep(1.5)  # a wrong second gang would bind within this
    left = len(bound(pods("scheduling.gantry.io/pod-group=left")))
    right = len(bound(pods("scheduling.gantry.io/pod-group=right")))
    report("two gangs of 6 for 10 slots: one gets 6, the other 0", settled and sorted([left, right]) == [0, 6],
           f"left={left} right={right}")
    report("single pods keep being scheduled meanwhile", len(bound(pods("scenario=c"))) == 12,
           len(bound(pods("scenario=c"))))


def switches(items):
    status, nodes = call("GET", "/api/v1/nodes")
    switch_of = {n["metadata"]["name"]: n["metadata"]["labels"].get("topology.gantry.io/switch") for n in nodes["items"]}
    return {switch_of[p["spec"]["nodeName"]] for p in bound(items)}


def scenario_job_level_affinity():
    key = "topology.gantry.io/switch"
    for i in range(3):
        node(f"d-s1-{i}", "d", labels={key: "s1"})
    for i in range(4):
        node(f"d-s2-{i}", "d", labels={key: "s2"})
    pod_group("ring", 4, required=key)
    for i in range(4):
        pod(f"ring-{i}", "d", group="ring")
    sel = "scheduling.gantry.io/pod-group=ring"
    wait_for(lambda: len(bound(pods(sel))) == 4)
    items = pods(sel)
    report("required job-level affinity: every pod under one switch, one with room",
           len(bound(items)) == 4 and switches(items) == {"s2"}, switches(items))

    for i in range(3):
        node(f"e-s3-{i}", "e", labels={key: "s3"})
        node(f"e-s4-{i}", "e", labels={key: "s4"})
    pod_group("tight", 4, required=key)
    for i in range(4):
        pod(f"tight-{i}", "e", group="tight")
    sel = "scheduling.gantry.io/pod-group=tight"
    said = wait_for(lambda: all("domain" in condition_message(p) for p in pods(sel)))
    report("a required group that no one switch fits binds none, and says so",
           len(bound(pods(sel))) == 0 and said, [condition_message(p) for p in pods(sel)])
    call("DELETE", "/apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups/tight")
    for i in range(4):
        call("DELETE", f"{PODS}/tight-{i}?gracePeriodSeconds=0")

    pod_group("pair", 2, preferred=key)
    for i in range(2):
        pod(f"pair-{i}", "e", group="pair")
    sel = "scheduling.gantry.io/pod-group=pair"
    wait_for(lambda: len(bound(pods(sel))) == 2)
    report("a preferred group that fits one switch stays in it", len(switches(pods(sel))) == 1,
           switches(pods(sel)))
    pod_group("spill", 4, preferred=key)
    for i in range(4):
        pod(f"spill-{i}", "e", group="spill")
    sel = "scheduling.gantry.io/pod-group=spill"
    # One switch has 1 node left, the other 3: it spills over.
    wait_for(lambda: len(bound(pods(sel))) == 4)
    report("a preferred group spills over when no switch fits it", len(bound(pods(sel))) == 4 and
           len(switches(pods(sel))) == 2, switches(pods(sel)))


def scenario_missing_group():
    node("f-0", "f", cpu="4")
    pod("orphan-0", "f", group="nobody")
    said = wait_for(lambda: "pod group default/nobody does not exist" in condition_message(pods("scenario=f")[0]))
    report("a pod naming a group that does not exist waits, saying so", said,
           condition_message(pods("scenario=f")[0]))
    pod_group("nobody", 1)
    report("... and binds once the group appears", wait_for(lambda: len(bound(pods("scenario=f"))) == 1))


scenario_all_or_nothing()
scenario_competing_gangs()
scenario_job_level_affinity()
scenario_missing_group()
sys.exit(1 if failures() else 0)
