#!/usr/bin/env bash
# Simulated nodes: one `gantry agent --simulate N` process registers N hollow
# nodes from a template; pods the scheduler binds to them are reported
# Running, and deletions are confirmed, without any process.
source "$(dirname "$0")/lib.sh"

AGENT_PID=""
trap 'if [[ -n "$AGENT_PID" ]]; then kill -KILL "$AGENT_PID" 2>/dev/null; fi; cleanup' EXIT
start_server "$WORK/data"
URL="https://127.0.0.1:$PORT"
TEMPLATE="$ROOT/configs/examples/hollow-node.yaml"

printf 'namePrefix: x\ncapacity: {cpu: "1"}\nflavour: spicy\n' >"$WORK/bad.yaml"
out=$("$GANTRY" agent --server "$URL" --token "$(cat "$WORK/data/token")" --simulate 3 --node-template "$WORK/bad.yaml" \
  --data-dir "$WORK/bad" 2>&1)
rc=$?
expect_eq "a template with an unknown key is refused with exit 2" "$rc" 2
expect_contains "... naming the file and the key" "$out" "bad.yaml: flavour: unknown key"

"$GANTRY" agent --server "$URL" --token "$(cat "$WORK/data/token")" --simulate 500 --node-template "$TEMPLATE" \
  --data-dir "$WORK/fleet" --heartbeat-interval 2 >>"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
count_ready() { ctl get nodes 2>/dev/null | grep -c " Ready "; }
for _ in $(seq 1 60); do [[ $(count_ready) -ge 500 ]] && break; sleep 0.5; done
expect_eq "one process registers 500 hollow nodes, all Ready" "$(count_ready)" 500
node=$(api GET /api/v1/nodes/hollow-7)
expect_contains "they carry the template's capacity" "$node" '"cpu":"32"'
expect_contains "... and a zone spread" "$node" '"topology.kubernetes.io/zone":"zone-b"'

for i in $(seq 0 399); do
  printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: sim-%d}\nspec:\n  containers: [{name: c, image: busybox, command: [sleep, "3600"], resources: {requests: {cpu: 100m}}}]\n' "$i"
done >"$WORK/pods.yaml"
check "create 400 pods" ctl create -f "$WORK/pods.yaml"
count_running() { ctl get pods 2>/dev/null | grep -c " Running "; }
for _ in $(seq 1 60); do [[ $(count_running) -ge 400 ]] && break; sleep 0.5; done
expect_eq "the scheduler binds them to hollow nodes and they are reported Running" "$(count_running)" 400
spread=$(ctl get pods -o wide 2>/dev/null | awk 'NR > 1 { print $7 }' | sort -u | wc -l)
expect_eq "... spread over many nodes" "$(python3 -c "print($spread >= 100)")" True

check "deleting a pod on a hollow node" ctl delete pod sim-0
expect_eq "... is confirmed by the agent and the pod is gone" "$(code GET /api/v1/namespaces/default/pods/sim-0)" 404
expect_eq "no process was started for them" "$(pgrep -fc '^sleep 3600$')" 0

# A server restart: the fleet reconnects on its own and resumes from its
# revision (a 410 would make it start over from revision 0).
agent_port=$(curl -sk "$URL/agent/v1/endpoint" | python3 -c 'import json,sys; print(json.load(sys.stdin)["grpcPort"])')
stop_server TERM
SERVER_PORT=$PORT SERVER_AGENT_PORT=$agent_port start_server "$WORK/data" || exit 1
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: after-restart}\nspec:\n  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]\n' >"$WORK/after.yaml"
check "create a pod after the server restarted" ctl create -f "$WORK/after.yaml"
for _ in $(seq 1 100); do [[ "$(api GET /api/v1/namespaces/default/pods/after-restart)" == *'"phase":"Running"'* ]] && break; sleep 0.1; done
expect_contains "the fleet reconnected and runs it" "$(api GET /api/v1/namespaces/default/pods/after-restart)" '"phase":"Running"'
expect_contains "... resuming its pod stream from its revision" "$(grep 'reconnecting from revision' "$WORK/agent.log")" "reconnecting from revision"
expect_not_contains "... without starting over" "$(grep 'reconnecting from revision' "$WORK/agent.log")" "from revision 0"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
expect_eq "the simulated fleet stops cleanly" "$?" 0
AGENT_PID=""
stop_server TERM
finish
