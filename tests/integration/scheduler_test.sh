#!/usr/bin/env bash
# The scheduling pipeline through the HTTP API, nodes as API objects (no
# agent): 200 nodes of mixed sizes, labels and taints; 5,000 pods of mixed
# shapes with nodeSelector, affinity and anti-affinity. Every rule is checked
# from the store afterwards (see scheduler/cluster_200x5000.py).
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
WORKLOAD=$HERE/scheduler/cluster_200x5000.py

start_server "$WORK/data" --scheduler-shards 2
[[ -n "${KEEP:-}" ]] && trap "" EXIT
python3 "$WORKLOAD" generate "$WORK"

check "create 200 nodes with gantry ctl create -f" ctl create -f "$WORK/nodes.yaml"
start=$(date +%s.%N)
check "create 5,000 pods with gantry ctl create -f" ctl create -f "$WORK/pods.yaml"
created=$(date +%s.%N)

settled=1
for _ in $(seq 1 120); do
  ctl get pods -o json >"$WORK/pods.json" 2>/dev/null
  if python3 "$WORKLOAD" settled "$WORK/pods.json" >/dev/null; then settled=0; break; fi
  sleep 1
done
done_at=$(date +%s.%N)
expect_eq "every pod is bound or carries its reason within 120 s" "$settled" 0
echo "# pods created in $(echo "$created - $start" | bc) s; settled $(echo "$done_at - $start" | bc) s after the first create"

ctl get nodes -o json >"$WORK/nodes.json"
verdict=$(python3 "$WORKLOAD" verify "$WORK/nodes.json" "$WORK/pods.json" 2>&1)
echo "$verdict"
CHECKS_FAILED=$((CHECKS_FAILED + $(grep -c "^not ok" <<<"$verdict")))

metrics=$(api GET /metrics)
expect_contains "metrics: scheduling attempts by result" "$metrics" 'gantry_scheduler_attempts_total{result="scheduled"}'
expect_contains "metrics: queue depth per shard" "$metrics" 'gantry_scheduler_queue_depth{queue="shard-1"}'
expect_contains "metrics: create-to-bound latency" "$metrics" 'gantry_scheduler_pod_scheduling_seconds_count'
expect_contains "metrics: per-plugin time" "$metrics" 'gantry_scheduler_plugin_duration_seconds_count{plugin="NodeResourcesFit",extension="filter"}'
expect_contains "metrics: binder conflicts" "$metrics" 'gantry_binder_conflicts_total'

out=$(ctl describe pod huge-0)
expect_contains "describe shows the Unschedulable condition" "$out" "Unschedulable"
expect_contains "describe shows the FailedScheduling event" "$out" "FailedScheduling"

stop_server TERM
expect_eq "server exits 0 on SIGTERM while the scheduler runs" "$STOP_RC" 0
finish
