#!/usr/bin/env bash
# The node agent as a second process on this machine, joined with the
# server's token: join security, pods run as cgroup-isolated processes
# (cgroup v1 here), restart policies, OOM kills, cpu limits, graceful
# deletion, adoption after kill -9, and NotReady when the agent stops.
source "$(dirname "$0")/lib.sh"

AGENT_PID=""
stop_agent() {
  if [[ -n "$AGENT_PID" ]]; then kill -"${1:-TERM}" "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; fi
  AGENT_PID=""
}
cleanup_agent() {
  stop_agent KILL
  # Containers outlive the agent by design: end what the test started.
  pkill -KILL -f "gantry-it-marker" 2>/dev/null
  pkill -KILL -f "^sleep 100[12]$" 2>/dev/null
  cleanup
}
trap cleanup_agent EXIT

start_server "$WORK/data"
URL="https://127.0.0.1:$PORT"
JOIN=$(cat "$WORK/data/token")
expect_contains "the server writes a join token pinning its CA" "$JOIN" "K10"

pod_field() { ctl get pod "$1" -o json 2>/dev/null | python3 -c "import json,sys; o=json.load(sys.stdin); print($2)"; }

# Join security: a wrong secret and a wrong CA hash are refused; nothing registers.
out=$("$GANTRY" agent --server "$URL" --token "${JOIN%%::server:*}::server:not-the-secret" --node-name intruder \
  --data-dir "$WORK/intruder" 2>&1)
rc=$?
expect_eq "a wrong secret ends the agent with a non-zero exit" "$rc" 1
expect_contains "... saying why" "$out" "join refused"
bad_ca="K10$(printf '0%.0s' $(seq 64))::server:${JOIN##*::server:}"
out=$("$GANTRY" agent --server "$URL" --token "$bad_ca" --node-name intruder --data-dir "$WORK/intruder" 2>&1)
rc=$?
expect_eq "a CA that does not match the token ends the agent" "$rc" 1
expect_contains "... before sending the secret" "$out" "does not match the join token"
expect_eq "nothing was registered" "$(code GET /api/v1/nodes/intruder)" 404

start_agent() {
  "$GANTRY" agent --server "$URL" --token "$JOIN" --node-name it-node --node-labels gantry.io/test=agent \
    --data-dir "$WORK/agent" --heartbeat-interval 2 >>"$WORK/agent.log" 2>&1 &
  AGENT_PID=$!
}
start_agent
node_ready() { ctl get node it-node 2>/dev/null | grep -q " Ready "; }
check "the agent joins and its node is Ready" wait_for 15 node_ready
lease_renewed() { kubectl --kubeconfig "$KUBECONFIG_FILE" describe node it-node 2>&1 | grep -q "HolderIdentity:  it-node"; }
check "kubectl describe node shows the node's Lease, renewed by its heartbeats" wait_for 15 lease_renewed
node=$(api GET /api/v1/nodes/it-node)
expect_contains "the node carries the machine's capacity" "$node" '"capacity":{"cpu":'
expect_contains "... the well-known labels" "$node" '"kubernetes.io/os":"linux"'
expect_contains "... and --node-labels" "$node" '"gantry.io/test":"agent"'

apply() { ctl apply -f - <<<"$1" >/dev/null; }

# A pod that prints and ends.
# "$$$$": Kubernetes expands $(VAR) in a command and reads "$$" as one "$".
apply 'apiVersion: v1
kind: Pod
metadata: {name: hello}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: busybox, command: [sh, -c, "echo hello; echo pid $$$$; sleep 1"]}'
succeeded() { [[ $(pod_field hello 'o["status"].get("phase")') == Succeeded ]]; }
check "sh -c 'echo hello; sleep 1' with restartPolicy Never reaches Succeeded" wait_for 30 succeeded
expect_eq "... exit code 0, reason Completed" \
  "$(pod_field hello 'o["status"]["containerStatuses"][0]["state"]["terminated"]["reason"]')" Completed
uid=$(pod_field hello 'o["metadata"]["uid"]')
log=$(cat "$WORK/agent/pods/$uid/main.log" 2>/dev/null)
expect_contains "its output is in the container's log file" "$log" "hello"
expect_contains "it ran as PID 1 of its own PID namespace" "$log" "pid 1"
expect_contains "gantry ctl logs shows hello (relayed from the agent)" "$(ctl logs hello 2>&1)" "hello"
expect_eq "ctl logs --tail 1 shows the last line" "$(ctl logs hello --tail 1 2>&1)" "pid 1"
expect_contains "kubectl logs works too" "$(kubectl --kubeconfig "$KUBECONFIG_FILE" logs hello 2>&1)" "hello"
expect_contains "ctl logs --timestamps prefixes RFC 3339 times" "$(ctl logs hello --timestamps 2>&1)" "Z hello"
expect_eq "kubectl logs --limit-bytes" "$(kubectl --kubeconfig "$KUBECONFIG_FILE" logs hello --limit-bytes 3 2>&1)" "hel"
expect_eq "kubectl logs --since leaves out older lines" "$(sleep 2; kubectl --kubeconfig "$KUBECONFIG_FILE" logs hello --since 1s 2>&1)" ""
expect_contains "ctl logs --previous of a container that never restarted" "$(ctl logs hello --previous 2>&1)" \
  'previous terminated container "main" in pod "hello" not found'

# A memory hog limited to 32Mi is OOM-killed and restarted (OnFailure).
apply 'apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: OnFailure
  containers:
  - name: main
    image: python
    command: [python3, -c, "import time; b = bytearray(256 << 20); time.sleep(30)", gantry-it-marker]
    resources: {limits: {memory: 32Mi}}'
oomed() {
  [[ $(pod_field hog 'o["status"]["containerStatuses"][0].get("lastState", {}).get("terminated", {}).get("reason")') == OOMKilled ]]
}
check "a 32Mi memory hog is OOMKilled" wait_for 30 oomed
expect_eq "... and restarted per its policy" "$(pod_field hog 'o["status"]["containerStatuses"][0]["restartCount"] >= 1')" True
ctl delete pod hog --grace-period 0 >/dev/null 2>&1

# A busy loop limited to 200m uses about a fifth of a core.
apply 'apiVersion: v1
kind: Pod
metadata: {name: spinner}
spec:
  containers:
  - name: main
    image: busybox
    command: [sh, -c, "while :; do :; done", gantry-it-marker]
    resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}'
running() { [[ $(pod_field "$1" 'o["status"].get("phase")') == Running ]]; }
check "the busy loop runs" wait_for 20 running spinner
uid=$(pod_field spinner 'o["metadata"]["uid"]')
cpuacct=$(sed -n 's/^[0-9]*:cpuacct:\(.*\)/\1/p' "/proc/$AGENT_PID/cgroup")
usage_file="/sys/fs/cgroup/cpuacct${cpuacct%/}/gantry/shared/pod$uid/cpuacct.usage"
sleep 1
u0=$(cat "$usage_file" 2>/dev/null || echo 0); t0=$(date +%s%N)
sleep 3
u1=$(cat "$usage_file" 2>/dev/null || echo 0); t1=$(date +%s%N)
cores=$(python3 -c "print(round(($u1 - $u0) / ($t1 - $t0), 3))")
echo "# busy loop under a 200m limit used $cores cores (cgroup v1 cpuacct.usage over 3 s)"
expect_eq "... measured from its cgroup: at most about a quarter of a core" \
  "$(python3 -c "print(0.05 < $cores <= 0.26)")" True

spinner_cpu() {
  ctl top pods 2>/dev/null | awk '$1 == "spinner" { sub("m", "", $2); exit !($2 >= 100 && $2 <= 260) }'
}
check "ctl top pods shows the busy loop near its 200m limit (from the agent's reports)" wait_for 15 spinner_cpu
expect_contains "ctl top nodes shows the node" "$(ctl top nodes 2>&1)" "it-node"

# Deleting a pod stops its processes within the grace period.
apply 'apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - {name: main, image: busybox, command: [sleep, "1001"]}'
check "a sleeping pod runs" wait_for 20 running sleeper
check "its process exists" pgrep -f "^sleep 1001$"
start=$(date +%s)
ctl delete pod sleeper >/dev/null 2>&1
gone() { ! pgrep -f "^sleep 1001$"; }
pod_gone() { [[ $(code GET /api/v1/namespaces/default/pods/sleeper) == 404 ]]; }
check "deleting it stops the process within the grace period (3 s)" wait_for 6 gone
check "... and the agent confirms: the pod is removed" wait_for 10 pod_gone

# kill -9 of the agent, then a restart: one process per container, adopted.
apply 'apiVersion: v1
kind: Pod
metadata: {name: survivor}
spec:
  containers:
  - {name: main, image: busybox, command: [sleep, "1002"]}'
check "a long-running pod runs" wait_for 20 running survivor
stop_agent KILL
expect_eq "the container outlives the agent's kill -9" "$(pgrep -fc "^sleep 1002$")" 1
start_agent
check "the restarted agent's node is Ready" wait_for 15 node_ready
sleep 3
expect_eq "after the restart there is exactly one process for the container" \
  "$(pgrep -fc "^sleep 1002$")" 1
expect_eq "... and the pod is still Running without a restart" \
  "$(pod_field survivor 'o["status"]["phase"] + " " + str(o["status"]["containerStatuses"][0]["restartCount"])')" "Running 0"
if grep -q "adopted default/survivor" "$WORK/agent.log"; then
  ok "the agent says it adopted the container"
else
  not_ok "the agent says it adopted the container" "$(tail -5 "$WORK/agent.log")"
fi

# Node maintenance.
expect_eq "ctl cordon" "$(ctl cordon it-node 2>&1)" "node/it-node cordoned"
expect_contains "... the node shows SchedulingDisabled" "$(ctl get node it-node 2>&1)" "SchedulingDisabled"
out=$(ctl drain it-node --grace-period 2 --timeout 60 2>&1)
expect_contains "ctl drain reports each eviction" "$out" "evicting pod default/survivor"
expect_contains "... waits until each pod is gone" "$out" "pod/survivor evicted"
expect_contains "... and says the node is drained" "$out" "node/it-node drained"
expect_eq "the drained pod's process is gone" "$(pgrep -fc "^sleep 1002$")" 0
expect_eq "ctl uncordon" "$(ctl uncordon it-node 2>&1)" "node/it-node uncordoned"

# A stopped agent's node turns NotReady within 60 s; pods that tolerate the
# unreachable taint only briefly are evicted after their tolerationSeconds.
apply 'apiVersion: v1
kind: Pod
metadata: {name: brief}
spec:
  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 5}]
  containers:
  - {name: main, image: busybox, command: [sh, -c, "sleep 1003", gantry-it-marker]}'
apply 'apiVersion: v1
kind: Pod
metadata: {name: patient}
spec:
  containers:
  - {name: main, image: busybox, command: [sh, -c, "sleep 1004", gantry-it-marker]}'
check "two more pods run" wait_for 20 running patient
stop_agent TERM
not_ready() { ctl get node it-node 2>/dev/null | grep -q "NotReady"; }
start=$(date +%s)
check "a stopped agent's node turns NotReady within 60 s" wait_for 60 not_ready
echo "# NotReady after $(($(date +%s) - start)) s"
expect_contains "... and is tainted unreachable" "$(api GET /api/v1/nodes/it-node)" "node.kubernetes.io/unreachable"
evicted() { [[ -n $(pod_field brief 'o["metadata"].get("deletionTimestamp", "")') ]]; }
check "a pod tolerating the taint for 5 s is evicted after them" wait_for 20 evicted
expect_eq "... while a pod with the default 300 s stays" "$(pod_field patient 'o["metadata"].get("deletionTimestamp", "")')" ""

stop_server TERM
expect_eq "the server stops cleanly with an agent joined" "$STOP_RC" 0

# gantry server runs an agent for its own machine unless --disable-agent.
EMBEDDED_AGENT=1 start_server "$WORK/embedded"
embedded_ready() { ctl get node "embedded-$$" 2>/dev/null | grep -q " Ready "; }
check "the embedded agent registers the server's own node" wait_for 15 embedded_ready
apply 'apiVersion: v1
kind: Pod
metadata: {name: local}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: busybox, command: [sh, -c, "echo ran on the server machine"]}'
local_done() { [[ $(pod_field local 'o["status"].get("phase")') == Succeeded ]]; }
check "... and runs pods there" wait_for 30 local_done
expect_contains "... with logs" "$(ctl logs local 2>&1)" "ran on the server machine"
stop_server TERM
expect_eq "a server with its embedded agent stops cleanly" "$STOP_RC" 0
finish
