#!/usr/bin/env bash
# The server's boundary under bad input: bad requests (hardening_checks.py),
# a store with an undecodable row, a busy port, SIGTERM with a kept-alive
# client, file modes, and `gantry ctl apply` on hostile manifests.
source "$(dirname "$0")/lib.sh"
DATA="$WORK/data"
start_server "$DATA" || exit 1

python3 "$(dirname "$0")/hardening_checks.py" "$PORT" "$TOKEN" "$SERVER_PID" || CHECKS_FAILED=$((CHECKS_FAILED + 1))
if kill -0 "$SERVER_PID" 2>/dev/null; then ok "the server survived every bad request"; else not_ok "the server died"; fi
errors=$(grep -c '500 on' "$DATA/server.log")
expect_eq "no request ended in a 500" "$errors" 0

expect_eq "the data dir is owner-only" "$(stat -c %a "$DATA")" 700
expect_eq "state.db is owner-only" "$(stat -c %a "$DATA/state.db")" 600
expect_eq "state.db-wal is owner-only" "$(stat -c %a "$DATA/state.db-wal")" 600

# A second server on the same ports must not share them.
second=$("$GANTRY" server --data-dir "$WORK/second" --bind-address 127.0.0.1 --port 0 --disable-agent \
  --agent-port "$(sed -n 's/.*agents join on port \([0-9]*\).*/\1/p' "$DATA/server.log" | head -1)" 2>&1)
rc=$?
expect_eq "a second server on a busy agent port exits non-zero" "$([[ $rc -ne 0 ]] && echo yes)" yes
expect_contains "... naming the port" "$second" "--agent-port"
second=$("$GANTRY" server --data-dir "$WORK/third" --bind-address 127.0.0.1 --port "$PORT" --agent-port 0 \
  --disable-agent 2>&1)
rc=$?
expect_eq "a second server on a busy API port exits non-zero" "$([[ $rc -ne 0 ]] && echo yes)" yes
expect_contains "... naming the port" "$second" "127.0.0.1:$PORT"

# gantry ctl apply on hostile manifests: an error and exit 1, never a crash.
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  annotations:\n    a: "\xff"\n' >"$WORK/bad-utf8.yaml"
out=$(ctl apply -f "$WORK/bad-utf8.yaml" 2>&1)
expect_eq "ctl apply of invalid UTF-8 exits 1" "$?" 1
expect_contains "... and says why" "$out" "UTF-8"
python3 -c "
print('apiVersion: v1\nkind: Pod\nmetadata:\n  name: long-string\n  annotations:\n    a: ' + 'x' * 50000)
print('spec:\n  schedulerName: manual\n  containers:\n  - name: c\n    image: busybox')" >"$WORK/long.yaml"
ctl apply -f "$WORK/long.yaml" >/dev/null 2>&1
expect_eq "ctl apply of a 50 KB YAML string works" "$?" 0

# No role dies of SIGPIPE: ctl writing into a pipe whose reader is gone.
ctl get pods -o yaml -A | true
pipe_rc=${PIPESTATUS[0]}
expect_eq "ctl writing to a closed pipe is not killed by SIGPIPE (exit $pipe_rc)" "$([[ $pipe_rc -ne 141 ]] && echo yes)" yes

# SIGTERM with a kept-alive idle client exits promptly.
python3 - "$PORT" "$TOKEN" <<'EOF' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="x")
s.sendall(f"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sys.argv[2]}\r\n\r\n".encode())
s.recv(65536)
time.sleep(30)
EOF
client=$!
sleep 1
start=$(date +%s.%N)
stop_server TERM
took=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
kill "$client" 2>/dev/null
expect_eq "SIGTERM with an idle keep-alive client exits 0" "$STOP_RC" 0
expect_eq "... within 2 s (took ${took}s)" "$(python3 -c "print($took < 2)")" True

# One undecodable row does not stop the start: it is set aside and counted.
python3 - "$DATA/state.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO objects VALUES ('pods', 'default', 'corrupt', 1, x'ffffffff0a')")
db.commit()
EOF
start_server "$DATA" || exit 1
expect_contains "the server starts past an undecodable object" "$(api GET /api/v1/namespaces/default/pods)" '"name":"patch-target"'
expect_contains "... logged at error" "$(grep 'corrupt' "$DATA/server.log")" "quarantine"
expect_contains "... counted on /metrics" "$(api GET /metrics)" "gantry_store_quarantined_objects 1"
kept=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from quarantine').fetchone()[0])" "$DATA/state.db")
expect_eq "... and kept in the quarantine table" "$kept" 1
expect_eq "its name can be used again" "$(code POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' \
  -d '{"metadata":{"name":"corrupt"},"spec":{"schedulerName":"manual","containers":[{"name":"c","image":"x"}]}}')" 201
stop_server TERM
expect_eq "restart after every attack stops cleanly" "$STOP_RC" 0
finish
