#!/usr/bin/env bash
# Crash contract: kill -9 of the server under write load loses no
# acknowledged write, and revisions stay monotonic after the restart.
source "$(dirname "$0")/lib.sh"
DATA="$WORK/data"
ROUNDS=${CRASH_ROUNDS:-3}
acked_total=0
for round in $(seq 1 "$ROUNDS"); do
  start_server "$DATA" || exit 1
  ACKS="$WORK/acks-$round.log"
  : >"$ACKS"
  "$GANTRY" bench api --kubeconfig "$KUBECONFIG_FILE" --clients 8 --count 200000 \
    --prefix "crash$round" --ack-log "$ACKS" >"$WORK/bench-$round.out" 2>&1 &
  BENCH=$!
  # Kill at a different point of the load each round.
  sleep "0.$((3 + round * 2))"
  stop_server KILL
  wait "$BENCH" 2>/dev/null
  n=$(wc -l <"$ACKS")
  acked_total=$((acked_total + n))
  if [[ "$n" -lt 10 ]]; then not_ok "round $round: the load acknowledged writes before the kill ($n)"; continue; fi
  ok "round $round: $n writes acknowledged before kill -9"
  max_rv=$(awk '{ if ($2 > m) m = $2 } END { print m }' "$ACKS")

  start_server "$DATA" || exit 1
  names=$(api GET "/api/v1/namespaces/default/pods?labelSelector=app%3Dbench" |
    python3 -c 'import json,sys; print("\n".join(i["metadata"]["name"] for i in json.load(sys.stdin)["items"]))')
  missing=$(awk '{print $1}' "$ACKS" | sort -u | comm -23 - <(sort -u <<<"$names") | wc -l)
  expect_eq "round $round: every acknowledged create survived kill -9" "$missing" 0
  probe=$(api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' \
    -d "{\"metadata\":{\"name\":\"probe-$round\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}")
  probe_rv=$(json_get "$probe" 'o["metadata"]["resourceVersion"]')
  if [[ "$probe_rv" -gt "$max_rv" ]]; then
    ok "round $round: revisions continue past the last acknowledged one ($probe_rv > $max_rv)"
  else
    not_ok "round $round: revisions went backwards ($probe_rv <= $max_rv)"
  fi
  stop_server TERM
  expect_eq "round $round: clean stop after recovery" "$STOP_RC" 0
done
echo "# $acked_total acknowledged writes checked across $ROUNDS kill -9 rounds"
finish
