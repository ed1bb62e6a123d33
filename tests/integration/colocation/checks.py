"""Colocation on real cgroup v1, through the API as a user drives it: QoS
classes and their validation, a dedicated pod's cpuset, the interference
test in three arms, the reclaimable-CPU timeline around a load step, and a
reclaimed memory hog evicted while the online pod survives.

Usage: checks.py PORT TOKEN SERVER_PID NODE"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from checks_lib import Api, report, failures, wait_for  # noqa: E402

port, token, server_pid, node = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
api = Api(port, token)
MARK = "gantry-it-colocation"  # in every command line the test starts, for the cleanup
SLEEP = ["sleep", "3601"]  # GNU sleep takes no extra argument: the cleanup matches its exact command line
PODS = "/api/v1/namespaces/default/pods"


def cgroup_dir(hierarchy):
    """gantry's group in a v1 hierarchy: below the server's own cgroup there."""
    with open(f"/proc/{server_pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.strip().split(":", 2)
            if hierarchy in controllers.split(","):
                return f"/sys/fs/cgroup/{hierarchy}{path.rstrip('/')}/gantry"
    raise RuntimeError(f"no {hierarchy} hierarchy")


def read(path):
    with open(path) as f:
        return f.read().strip()


def pod(name, containers, labels=None, annotations=None, restart="Always"):
    meta = {"name": name, "labels": labels or {}, "annotations": annotations or {}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"restartPolicy": restart, "containers": containers}}


def container(name, command, requests=None, limits=None):
    return {"name": name, "image": "busybox", "command": command,
            "resources": {"requests": requests or {}, "limits": limits or {}}}


def create(body):
    status, out = api.call("POST", PODS, body)
    if status != 201:
        report(f"create pod {body['metadata']['name']}", False, out)
    return out


def get(name):
    return api.call("GET", f"{PODS}/{name}")[1]


def event_reasons(name):
    """The reasons of the Events about pod `name` (they are written within a second)."""
    events = api.call("GET", f"/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D{name}")[1]
    return [e.get("reason") for e in events.get("items", [])]


def running(name):
    p = get(name)
    return p.get("status", {}).get("phase") == "Running" and p


def delete(*names):
    for name in names:
        api.call("DELETE", f"{PODS}/{name}?gracePeriodSeconds=0")
    wait_for(lambda: all(api.call("GET", f"{PODS}/{n}")[0] == 404 for n in names), timeout=30)


def reclaimable():
    n = api.call("GET", f"/api/v1/nodes/{node}")[1]
    return int(n.get("status", {}).get("allocatable", {}).get("gantry.io/reclaimed-millicpu", "-1"))


def log_lines(name):
    conn_status, body = api.call("GET", f"{PODS}/{name}/log")
    text = body.get("raw", "") if isinstance(body, dict) else ""
    return [int(x) for x in text.split() if x.isdigit()]


# --- classes and validation --------------------------------------------------
status, out = api.call("POST", PODS, pod("both", [container("c", SLEEP)],
                                         labels={"koordinator.sh/qosClass": "LS"},
                                         annotations={"katalyst.kubewharf.io/qos_level": "reclaimed_cores"}))
fields = [c.get("field", "") for c in out.get("details", {}).get("causes", [])]
report("contradictory class markers are a 422", status == 422, out)
report("... naming both fields", fields == ["metadata.labels[koordinator.sh/qosClass]"]
       and "metadata.annotations[katalyst.kubewharf.io/qos_level]" in str(out), out)
status, out = api.call("POST", PODS, pod("cpu-be", [container("c", SLEEP, {"cpu": "100m"})],
                                         labels={"koordinator.sh/qosClass": "BE"}))
report("a reclaimed pod requesting cpu is a 422 naming the field",
       status == 422 and "requests[cpu]" in str(out), out)

# --- the node lends what it measures -------------------------------------------
idle = wait_for(lambda: reclaimable() > 0 and reclaimable(), timeout=30)
report("the node publishes reclaimable cpu", bool(idle) and idle > 0, idle)

# --- dedicated: whole CPUs of its own --------------------------------------------
cpuset = cgroup_dir("cpuset")
create(pod("dedicated", [container("c", SLEEP, {"cpu": "1", "memory": "64Mi"},
                                   {"cpu": "1", "memory": "64Mi"})],
           annotations={"gantry.io/qos-class": "dedicated"}))
d = wait_for(lambda: running("dedicated"), timeout=30)
report("a dedicated pod runs", bool(d), get("dedicated").get("status"))
if d:
    uid = d["metadata"]["uid"]
    own = read(f"{cpuset}/dedicated/pod{uid}/cpuset.cpus")
    report("its cpuset is one whole CPU", own.isdigit(), own)
    procs = wait_for(lambda: read(f"{cpuset}/dedicated/pod{uid}/c/cgroup.procs").split(), timeout=10)
    affinity = [sorted(os.sched_getaffinity(int(p))) for p in procs or []]
    report("... and its process may run on that CPU only", bool(procs) and all(a == [int(own)] for a in affinity),
           affinity)
    others = {}
    for klass in ("shared", "reclaimed", "system"):
        for root, dirs, files in os.walk(f"{cpuset}/{klass}"):
            others[root] = read(f"{root}/cpuset.cpus")
    overlapping = {k: v for k, v in others.items() if own in v.replace("-", ",").split(",") or
                   (("-" in v) and int(v.split("-")[0]) <= int(own) <= int(v.split("-")[1]))}
    report("no shared, reclaimed or system cgroup's cpuset includes it", not overlapping and len(others) >= 3,
           overlapping or others)
    status, out = api.call("POST", PODS, pod("dedicated-2", [container("c", SLEEP, {"cpu": "1"},
                                                                     {"cpu": "1"})],
                                             annotations={"gantry.io/qos-class": "dedicated"}))
    rejected = wait_for(lambda: get("dedicated-2").get("status", {}).get("reason") == "DedicatedCPUsUnavailable",
                        timeout=30)
    report("a second dedicated CPU is refused (the shared pool keeps one): Failed with a reason",
           bool(rejected) and get("dedicated-2")["status"]["phase"] == "Failed", get("dedicated-2").get("status"))
    report("... and an Event", wait_for(lambda: "DedicatedCPUsUnavailable" in event_reasons("dedicated-2"), timeout=10),
           event_reasons("dedicated-2"))
    delete("dedicated", "dedicated-2")
    restored = wait_for(lambda: read(f"{cpuset}/shared/cpuset.cpus") == read(f"{cpuset}/dedicated/cpuset.cpus"),
                        timeout=15)
    report("its CPU returns to the shared pool when it goes", bool(restored), read(f"{cpuset}/shared/cpuset.cpus"))

# --- reclaimable cpu around a load step, and the interference arms --------------
# The online service: a CPU-bound loop printing its iterations per second,
# busy while the flag file exists (so its load can stop while it stays).
LOAD_FLAG = os.path.join(os.environ["WORK"], "online-load")
open(LOAD_FLAG, "w").close()
RATE = ("import os,time\nn=0\nt=time.time()\nwhile True:\n n+=1\n if n%20000==0:\n  u=time.time()\n"
        "  if u-t>=0.25:\n   print(int(n/(u-t)),flush=True);n=0\n"
        f"   while not os.path.exists({LOAD_FLAG!r}): time.sleep(0.2)\n"
        "   t=time.time()\n")
before = wait_for(lambda: reclaimable() > 0 and reclaimable(), timeout=30)
step = time.time()
create(pod("online", [container("c", ["python3", "-c", RATE, MARK], {"cpu": "1"})]))
wait_for(lambda: running("online"), timeout=30)
timeline = []


def dropped():
    r = reclaimable()
    timeline.append((round(time.time() - step, 1), r))
    return r <= before - 700 and r


low = wait_for(dropped, timeout=40, every=0.5)
fall = time.time() - step
report("reclaimable cpu falls within two publish periods (20 s) of the online load", bool(low) and fall <= 20,
       timeline)
print(f"# reclaimable cpu: {before}m idle -> {reclaimable()}m {fall:.1f} s after a 1-cpu online load started")

# The interference test. This VM's own noise moves the online rate by ±30%
# from one second to the next and drifts over tens of seconds, more than the
# effect measured; so the arms alternate every second, (a) the online pod
# alone, (b) beside reclaimed pods busy-looping on every CPU, (c) beside the
# same busy pods as plain shared pods of equal requests, and each cycle's
# (b) and (c) are compared with the (a) windows on either side of them: the
# figure is the median over cycles of that ratio, which cancels the drift.
# Each group of busy pods spins only while its flag file exists.
CYCLES = int(os.environ.get("ARM_CYCLES", "30"))
WINDOW = 1.0


def busy_pods(kind):
    flag = os.path.join(os.environ["WORK"], f"busy-{kind}")
    loop = ["sh", "-c", f"while :; do if [ -e {flag} ]; then i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; "
                        "else sleep 0.1; fi; done", MARK]
    names = []
    for i in range(2):
        name = f"busy-{kind}-{i}"
        if kind == "reclaimed":
            cs = [container(f"l{j}", loop, {"gantry.io/reclaimed-millicpu": "50"}) for j in range(2)]
            create(pod(name, cs, annotations={"gantry.io/qos-class": "reclaimed"}))
        else:
            # SHARED_BUSY_CPU: a heavier arm (c) by hand, e.g. 250m fills the node's cpu.
            cs = [container(f"l{j}", loop, {"cpu": os.environ.get("SHARED_BUSY_CPU", "50m")}) for j in range(2)]
            create(pod(name, cs))
        names.append(name)
    ok = wait_for(lambda: all(running(n) for n in names), timeout=60)
    report(f"four {kind} busy loops run", bool(ok), [get(n).get("status", {}).get("phase") for n in names])
    return flag, names


def rate_windows(seconds):
    start = len(log_lines("online"))
    time.sleep(seconds)
    return [float(x) for x in log_lines("online")[start + 1:]]  # the first sample straddles the switch


def bracketed_ratio(cycles, arm):
    """Median over cycles of the arm's rate over the mean of the (a) rates just before and after it."""
    ratios = []
    for now, after in zip(cycles, cycles[1:]):
        if now[arm] and now["a"] and after["a"]:
            alone = (statistics.median(now["a"]) + statistics.median(after["a"])) / 2
            ratios.append(statistics.median(now[arm]) / alone)
    return statistics.median(ratios) if ratios else 0, len(ratios)


reclaimed_flag, reclaimed_names = busy_pods("reclaimed")
shared_flag, shared_names = busy_pods("shared")
cycles = []
for _ in range(CYCLES + 1):
    cycle = {}
    for arm, flag in (("a", None), ("b", reclaimed_flag), ("c", shared_flag)):
        if flag:
            open(flag, "w").close()
        cycle[arm] = rate_windows(WINDOW)
        if flag:
            os.remove(flag)
    cycles.append(cycle)
a, b, c = (statistics.median([r for cycle in cycles for r in cycle[k]] or [0]) for k in "abc")
(b_ratio, pairs), (c_ratio, _) = bracketed_ratio(cycles, "b"), bracketed_ratio(cycles, "c")
print(f"# online loop rate (iterations/s, medians of quarter-second windows over {CYCLES} one-second "
      f"alternations): alone {a:.0f}; beside 4 reclaimed busy loops {b:.0f}; beside the same loops as shared "
      f"pods {c:.0f}")
print(f"# bracketed ratio to the alone windows on either side (median of {pairs} cycles): reclaimed "
      f"{b_ratio:.1%}, shared {c_ratio:.1%}")
report("the online pod keeps >= 90% of its rate beside reclaimed busy loops", b_ratio >= 0.9,
       {"b/a": round(b_ratio, 3), "c/a": round(c_ratio, 3), "pairs": pairs})
report("(arm c, the same busy loops without the QoS layer, is measured and reported)", a > 0 and c_ratio > 0)
delete(*reclaimed_names, *shared_names)

stop = time.time()
os.remove(LOAD_FLAG)
timeline = []


def recovered():
    r = reclaimable()
    timeline.append((round(time.time() - stop, 1), r))
    return r >= before - 300 and r


back = wait_for(recovered, timeout=60, every=0.5)
rise = time.time() - stop
report("reclaimable cpu rises back once the online pod's peak leaves the 10 s window", bool(back) and rise >= 8,
       timeline)
print(f"# reclaimable cpu back to {reclaimable()}m {rise:.1f} s after the online load stopped "
      f"(peak window 10 s, computed every 2 s)")
print(f"# timeline after the load stopped (s, millicpu): {timeline[::4]}")
delete("online")

# --- memory eviction ----------------------------------------------------------
threshold = int(os.environ["MEMORY_THRESHOLD"])


def node_used():
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            info[k] = int(v.split()[0]) * 1024
    return info["MemTotal"] - info["MemAvailable"]


create(pod("online", [container("c", SLEEP, {"cpu": "100m", "memory": "64Mi"})]))
HOG = ("import time\nb=[]\nwhile True:\n b.append(bytearray(20<<20))\n time.sleep(0.05)\n")
create(pod("hog", [container("c", ["python3", "-c", HOG, MARK], {"gantry.io/reclaimed-memory": "1Gi"},
                             {"gantry.io/reclaimed-memory": "3Gi"})],
           labels={"koordinator.sh/qosClass": "BE"}, restart="Never"))
wait_for(lambda: running("online") and running("hog"), timeout=30)
crossed = None
deadline = time.time() + 90
while time.time() < deadline:
    if crossed is None and node_used() >= threshold:
        crossed = time.time()
    if get("hog").get("status", {}).get("reason") == "Evicted":
        break
    time.sleep(0.05)
evicted_at = time.time()
hog = get("hog")
st = hog.get("status", {})
report("the reclaimed memory hog is evicted past the threshold", st.get("phase") == "Failed"
       and st.get("reason") == "Evicted", st)
report("... with a DisruptionTarget condition naming the threshold",
       any(c.get("type") == "DisruptionTarget" and "eviction threshold" in c.get("message", "")
           for c in st.get("conditions", [])), st.get("conditions"))
report("... and an Evicted Event", wait_for(lambda: "Evicted" in event_reasons("hog"), timeout=10),
       event_reasons("hog"))
report("the online pod survives", bool(running("online")), get("online").get("status"))
if crossed:
    print(f"# memory threshold crossed -> hog evicted in {evicted_at - crossed:.2f} s (polled every 0.05 s)")
metrics = api.call("GET", "/metrics")[1].get("raw", "")
report("/metrics counts the eviction by reason", 'gantry_agent_evictions_total{reason="memory"} 1' in metrics,
       [l for l in metrics.splitlines() if "evictions" in l])
for family in ("gantry_agent_reclaimable_millicpu", "gantry_agent_reclaimable_memory_bytes",
               "gantry_agent_reclaimed_quota_millicpu", 'gantry_agent_cpu_pool_cpus{pool="shared"}'):
    report(f"/metrics has {family}", family in metrics)
delete("online", "hog")
sys.exit(1 if failures() else 0)
