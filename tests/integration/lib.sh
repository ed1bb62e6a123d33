# shellcheck shell=bash
# Shared helpers for integration tests: start the real binary on a
# kernel-chosen port, talk to it over HTTPS, report checks as TAP-style lines
# ("ok - ..." / "not ok - ...") that tests/run.sh counts.
set -u

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GANTRY=${GANTRY:-$ROOT/build/src/gantry}
WORK=$(mktemp -d /tmp/gantry-it-XXXXXX)
SERVER_PID=""
PORT=""
TOKEN=""
KUBECONFIG_FILE=""
CHECKS_FAILED=0

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  # An agent killed with its pods running leaves their network namespace pins
  # and tmpfs volumes mounted under its data dir: unmount them (a namespace
  # ends, and its veth with it, once its pods' processes are gone too).
  awk -v work="$WORK/" 'index($2, work) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

ok() { echo "ok - $1"; }
not_ok() {
  echo "not ok - $1"
  CHECKS_FAILED=$((CHECKS_FAILED + 1))
  # shellcheck disable=SC2001 # every line of the detail is indented
  if [[ -n "${2:-}" ]]; then sed 's/^/#   /' <<<"$2" | head -20; fi
}

# check NAME CMD...: passes when CMD exits 0.
check() {
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}

# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
  if [[ "$2" == *"$3"* ]]; then ok "$1"; else not_ok "$1" "expected to find: $3
in: $2"; fi
}

expect_not_contains() {
  if [[ "$2" != *"$3"* ]]; then ok "$1"; else not_ok "$1" "did not expect: $3
in: $2"; fi
}

expect_eq() {
  if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1" "expected [$3], got [$2]"; fi
}

# start_server DATA_DIR [extra flags...]: starts gantry server, waits for /readyz.
start_server() {
  local data=$1
  shift
  mkdir -p "$data"
  rm -f "$data/kubeconfig.yaml"
  # Tests run without the embedded agent (it would run their pods on this
  # machine) unless EMBEDDED_AGENT=1.
  local agent=(--disable-agent)
  if [[ -n "${EMBEDDED_AGENT:-}" ]]; then agent=(--node-name "embedded-$$"); fi
  # SERVER_PORT / SERVER_AGENT_PORT: restart on the ports a previous start chose.
  "$GANTRY" server --data-dir "$data" --bind-address 127.0.0.1 --port "${SERVER_PORT:-0}" \
    --agent-port "${SERVER_AGENT_PORT:-0}" "${agent[@]}" --log-level warn "$@" \
    >>"$data/server.log" 2>&1 &
  SERVER_PID=$!
  KUBECONFIG_FILE="$data/kubeconfig.yaml"
  for _ in $(seq 1 200); do
    if [[ -s "$KUBECONFIG_FILE" ]]; then
      PORT=$(sed -n 's|.*server: https://127.0.0.1:\([0-9]*\).*|\1|p' "$KUBECONFIG_FILE")
      TOKEN=$(sed -n 's|.*token: \(.*\)|\1|p' "$KUBECONFIG_FILE")
      if curl -sk --max-time 2 "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then return 0; fi
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "# server exited during start:"; sed 's/^/#   /' "$data/server.log" | tail -20
      return 1
    fi
    sleep 0.05
  done
  echo "# server did not become ready"; return 1
}

# stop_server [SIGNAL]: sends the signal (TERM by default), waits, and
# leaves the exit code in STOP_RC. (Not for $(...): only this shell can wait.)
STOP_RC=""
# shellcheck disable=SC2034 # STOP_RC is read by the tests that source this file
stop_server() {
  local sig=${1:-TERM}
  kill -"$sig" "$SERVER_PID" 2>/dev/null
  STOP_RC=0
  wait "$SERVER_PID" 2>/dev/null || STOP_RC=$?
  SERVER_PID=""
}

# api METHOD PATH [curl args...]: HTTPS request with the admin token; body on stdout.
api() {
  local method=$1 path=$2
  shift 2
  curl -sk -X "$method" -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$PORT$path" "$@"
}

# code METHOD PATH [curl args...]: the HTTP status code only.
code() {
  local method=$1 path=$2
  shift 2
  curl -sk -o /dev/null -w '%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN" \
    "https://127.0.0.1:$PORT$path" "$@"
}

ctl() { "$GANTRY" ctl --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# wait_for SECONDS CMD...: polls until CMD succeeds.
wait_for() {
  local limit=$1
  shift
  for _ in $(seq 1 $((limit * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  return 1
}

# json_get JSON EXPR: a field by Python expression on `o`.
json_get() { python3 -c "import json,sys; o=json.loads(sys.argv[1]); print($2)" "$1"; }

# process_alive PID: the process exists and is not a zombie (an exited
# process stays one until whoever adopted it reaps it).
process_alive() {
  [[ -n $1 && -e /proc/$1 && $(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) != Z ]]
}

# require_disposable_machine TEST: tests that install into /usr/local and
# /etc (and purge) run only as root where gantry is not installed.
require_disposable_machine() {
  if [[ $(id -u) -ne 0 ]]; then
    not_ok "$1 needs root (install.sh installs into /usr/local and /etc)"
    finish
  fi
  if [[ -e /usr/local/bin/gantry || -e /etc/gantry ]]; then
    not_ok "gantry is installed on this machine already: $1 only runs where it may install and purge"
    finish
  fi
}

finish() {
  exit $((CHECKS_FAILED > 0 ? 1 : 0))
}
