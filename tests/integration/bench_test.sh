#!/usr/bin/env bash
# `gantry bench scheduling` as a harness: its JSON summary, its placement
# check, --rate with --duration, and --timeout bounding a run whose pods never
# bind; the server's process metrics it reads. Figures are not asserted:
# performance is measured, not tested.
source "$(dirname "$0")/lib.sh"

start_server "$WORK/data" || { not_ok "server starts"; finish; }
bench() { "$GANTRY" bench scheduling --kubeconfig "$KUBECONFIG_FILE" "$@"; }

metrics=$(api GET /metrics)
expect_contains "the server exports process_cpu_seconds_total as a counter" "$metrics" "# TYPE process_cpu_seconds_total counter"
expect_contains "... process_resident_memory_bytes" "$metrics" "process_resident_memory_bytes "
expect_contains "... and gantry_build_info with its version" "$metrics" 'gantry_build_info{version="'

bench --nodes 20 --pods 300 --clients 4 --json "$WORK/run.json" >"$WORK/run.txt" 2>&1
rc=$?
expect_eq "a run where every pod binds exits 0" "$rc" 0
json_field() { python3 -c "import json,sys; o=json.load(open(sys.argv[1])); print($2)" "$1"; }
expect_eq "--json writes the summary's keys" \
  "$(json_field "$WORK/run.json" "sorted(k for k in ['nodes','pods','created_per_second','e2e_pods_per_second','latency_ms','conflicts','server_cpu_seconds','server_peak_rss_bytes','violations'] if k in o)")" \
  "['conflicts', 'created_per_second', 'e2e_pods_per_second', 'latency_ms', 'nodes', 'pods', 'server_cpu_seconds', 'server_peak_rss_bytes', 'violations']"
expect_eq "... every pod bound, no violation, latency percentiles in order" \
  "$(json_field "$WORK/run.json" "(o['reached'], o['violations'], o['latency_ms']['p50'] <= o['latency_ms']['p99'] <= o['latency_ms']['max'])")" \
  "(300, 0, True)"
expect_contains "the text summary names the placement check" "$(cat "$WORK/run.txt")" "violations: 0"

bench --nodes 30 --pods 400 --workload "$ROOT/configs/examples/bench-workload.yaml" --json "$WORK/mix.json" --keep >/dev/null 2>&1
expect_eq "--workload: a mix of shapes, a priority class, gangs of 8 and zone-spread groups all bind, no violation" \
  "$(json_field "$WORK/mix.json" "(o['reached'], o['violations'])")" "(400, 0)"
groups=$(api GET "/apis/scheduling.gantry.io/v1alpha1/podgroups" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
expect_eq "... its gangs were PodGroups (80 gang pods of 400, 8 each)" "$groups" "10"
expect_eq "... and its PriorityClass exists" "$(code GET /apis/scheduling.k8s.io/v1/priorityclasses/bench-high)" "200"
out=$(bench --nodes 1 --pods 1 --pod-shape cpu=lots 2>&1)
expect_contains "a bad --pod-shape is refused, naming it" "$out" '--pod-shape: "cpu=lots" is not resource=quantity'

bench --nodes 5 --pods 100000 --rate 100 --duration 1 --json "$WORK/rate.json" >/dev/null 2>&1
created=$(json_field "$WORK/rate.json" "o['created']")
if [[ "$created" -ge 80 && "$created" -le 110 ]]; then
  ok "--rate 100 --duration 1 creates about 100 pods ($created) and waits only for those"
else
  not_ok "--rate 100 --duration 1 creates about 100 pods" "created: $created"
fi

# Pods no node has room for.
start=$(date +%s)
bench --nodes 0 --pods 20 --pod-shape cpu=1000 --timeout 2 --json "$WORK/stuck.json" >"$WORK/stuck.txt" 2>&1
rc=$?
took=$(($(date +%s) - start))
expect_eq "a run whose pods cannot bind fails (exit 1)" "$rc" 1
if [[ "$took" -le 15 ]]; then ok "... within its --timeout 2 plus the check ($took s)"; else not_ok "... within its --timeout" "took $took s"; fi
expect_eq "... counting every unbound pod as a violation" "$(json_field "$WORK/stuck.json" "o['violations']")" 20
finish
