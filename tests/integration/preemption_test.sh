#!/usr/bin/env bash
# Preemption end to end: the scheduler's victim choice and the binder's
# execution, against a simulated fleet that confirms deletions
# (preemption/checks.py).
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
AGENT_PID=""
trap 'if [[ -n "$AGENT_PID" ]]; then kill -KILL "$AGENT_PID" 2>/dev/null; fi; cleanup' EXIT
start_server "$WORK/data" --scheduler-shards 2 || exit 1
printf 'namePrefix: pre\ncapacity: {cpu: "4", memory: 16Gi, pods: "110"}\n' >"$WORK/node.yaml"
"$GANTRY" agent --server "https://127.0.0.1:$PORT" --token "$(cat "$WORK/data/token")" --simulate 4 \
  --node-template "$WORK/node.yaml" --data-dir "$WORK/fleet" >>"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 1 100); do [[ $(ctl get nodes 2>/dev/null | grep -c " Ready ") -ge 4 ]] && break; sleep 0.1; done
expect_eq "a simulated fleet of 4 nodes is Ready" "$(ctl get nodes 2>/dev/null | grep -c " Ready ")" 4
python3 "$HERE/preemption/checks.py" "$PORT" "$TOKEN" || CHECKS_FAILED=$((CHECKS_FAILED + 1))
metrics=$(api GET /metrics)
expect_contains "metrics: preemption attempts" "$metrics" "gantry_scheduler_preemption_attempts_total"
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=""
stop_server TERM
expect_eq "server exits 0 on SIGTERM" "$STOP_RC" 0
finish
