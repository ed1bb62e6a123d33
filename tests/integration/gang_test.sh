#!/usr/bin/env bash
# Gang scheduling as users drive it: the scenarios of gang/checks.py through
# the API; scheduler-plugins' and Volcano's PodGroups applied with kubectl
# from their documented manifests; `gantry ctl get podgroups`; and kill -9
# of the server while gangs are being bound.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
export KUBECACHEDIR=$WORK/kubecache

start_server "$WORK/data" --scheduler-shards 2 || exit 1
python3 "$HERE/gang/checks.py" "$PORT" "$TOKEN" || CHECKS_FAILED=$((CHECKS_FAILED + 1))

# Room for the documented examples: three 4-cpu nodes.
for i in 0 1 2; do
  api POST /api/v1/nodes -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"k-$i\",\"labels\":{\"scenario\":\"k\"}},\"status\":{\"allocatable\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"}}}" >/dev/null
done
export KUBECONFIG=$KUBECONFIG_FILE
out=$(kubectl apply -f "$HERE/gang/coscheduling.yaml" 2>&1)
expect_contains "kubectl apply of a scheduler-plugins PodGroup" "$out" "podgroup.scheduling.x-k8s.io/nginx created"
out=$(kubectl apply -f "$HERE/gang/volcano.yaml" 2>&1)
expect_contains "kubectl apply of a Volcano PodGroup" "$out" "podgroup.scheduling.volcano.sh/test created"
bound_count() { kubectl get pods "$@" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' 2>/dev/null | grep -c .; }
for _ in $(seq 1 100); do
  [[ $(bound_count -l app=nginx) -eq 3 && $(bound_count test-worker-0 test-worker-1) -eq 2 ]] && break
  sleep 0.1
done
expect_eq "the scheduler-plugins gang binds whole (label)" "$(bound_count -l app=nginx)" 3
expect_eq "the Volcano gang binds whole (annotation)" "$(bound_count test-worker-0 test-worker-1)" 2
phase() { kubectl get "$1" -o jsonpath='{.status.phase}' 2>/dev/null; }
for _ in $(seq 1 50); do [[ $(phase podgroups.scheduling.x-k8s.io/nginx) == Scheduled ]] && break; sleep 0.1; done
expect_eq "the scheduler-plugins group reports phase Scheduled" "$(phase podgroups.scheduling.x-k8s.io/nginx)" Scheduled
expect_eq "... with its scheduled count" "$(kubectl get podgroups.scheduling.x-k8s.io/nginx -o jsonpath='{.status.scheduled}')" 3
for _ in $(seq 1 50); do [[ $(phase podgroups.scheduling.volcano.sh/test) == Running ]] && break; sleep 0.1; done
expect_eq "the Volcano group reports phase Running" "$(phase podgroups.scheduling.volcano.sh/test)" Running
expect_contains "... with condition Scheduled=True" "$(kubectl get podgroups.scheduling.volcano.sh/test -o jsonpath='{range .status.conditions[*]}{.type}={.status} {end}')" "Scheduled=True"
expect_eq "the /status subresource of a scheduler-plugins PodGroup" "$(code GET /apis/scheduling.x-k8s.io/v1alpha1/namespaces/default/podgroups/nginx/status)" 200
expect_contains "discovery lists Volcano's group" "$(api GET /apis)" '"name":"scheduling.volcano.sh"'
out=$(ctl describe podgroup nginx 2>&1)
expect_contains "ctl describe podgroup lists the members and their nodes" "$out" "Members:  (3 in total)"
out=$(kubectl get podgroups.scheduling.x-k8s.io 2>&1)
expect_contains "kubectl get podgroups.scheduling.x-k8s.io" "$out" "nginx"
out=$(kubectl get podgroups.scheduling.volcano.sh 2>&1)
expect_contains "kubectl get podgroups.scheduling.volcano.sh" "$out" "test"
out=$(ctl get pg 2>&1)
expect_contains "ctl get pg prints the columns" "$out" "NAME"
expect_contains "... PHASE MIN SCHEDULED RUNNING SUCCEEDED FAILED AGE" "$out" "PHASE"
stop_server TERM
expect_eq "server exits 0 on SIGTERM" "$STOP_RC" 0

# kill -9 while gangs are being bound: no gang may be left below minMember.
DATA="$WORK/crash"
for round in 1 2; do
  start_server "$DATA" --scheduler-shards 2 || exit 1
  python3 "$HERE/gang/load.py" "$PORT" "$TOKEN" create 100 60 25 "round$round" >/dev/null 2>&1 &
  LOAD=$!
  # Kill once some gangs are bound, while the rest are still arriving.
  for _ in $(seq 1 200); do
    scheduled=$(api GET /metrics | sed -n 's/^gantry_scheduler_attempts_total{result="scheduled"} \([0-9]*\).*/\1/p')
    [[ "${scheduled:-0}" -ge $((round * 6)) ]] && break
    sleep 0.02
  done
  stop_server KILL
  wait "$LOAD" 2>/dev/null
  start_server "$DATA" --scheduler-shards 2 || exit 1
  python3 "$HERE/gang/load.py" "$PORT" "$TOKEN" verify 25
  stop_server KILL
done
finish
