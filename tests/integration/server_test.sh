#!/usr/bin/env bash
# The server role: config file vs flags, restart keeps state and the CA,
# bad configuration fails clearly, SIGTERM under load is clean.
source "$(dirname "$0")/lib.sh"
DATA="$WORK/data"

cat >"$WORK/server.yaml" <<YAML
data-dir: $WORK/from-config
log-level: warn
YAML
start_server "$DATA" --config "$WORK/server.yaml" || exit 1
expect_eq "a flag beats the config file (--data-dir)" "$(test -s "$DATA/kubeconfig.yaml" && echo yes)" yes
expect_eq "the config file's data-dir was not used" "$(test -e "$WORK/from-config" && echo used || echo unused)" unused
ca_before=$(sha256sum <"$DATA/tls/ca.crt")
ctl apply -f "$ROOT/configs/examples/pod.yaml" >/dev/null
stop_server TERM
expect_eq "SIGTERM exits 0" "$STOP_RC" 0

start_server "$DATA" || exit 1
expect_contains "state survives a restart" "$(ctl get pods -o name)" "pod/hello"
expect_eq "the CA is kept across restarts" "$(sha256sum <"$DATA/tls/ca.crt")" "$ca_before"
expect_contains "the kubeconfig is rewritten with the new port" "$(cat "$KUBECONFIG_FILE")" "127.0.0.1:$PORT"
perm=$(stat -c %a "$DATA/tls/ca.key")
expect_eq "the CA key is private" "$perm" 600

"$GANTRY" bench api --kubeconfig "$KUBECONFIG_FILE" --clients 4 --count 100000 --prefix term >/dev/null 2>&1 &
BENCH=$!
sleep 0.7
start=$(date +%s%N)
stop_server TERM
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
wait "$BENCH" 2>/dev/null
expect_eq "SIGTERM under write load exits 0" "$STOP_RC" 0
if [[ $elapsed_ms -lt 5000 ]]; then ok "SIGTERM under load stops promptly (${elapsed_ms} ms)"; else not_ok "SIGTERM took ${elapsed_ms} ms"; fi

printf 'data-dir: %s\nno-such-flag: 1\n' "$DATA" >"$WORK/bad.yaml"
out=$("$GANTRY" server --config "$WORK/bad.yaml" --port 0 2>&1); rc=$?
expect_contains "an unknown config key is named" "$out" "no-such-flag"
expect_eq "... and the server refuses to start" "$rc" 2
out=$("$GANTRY" server --data-dir "$DATA" --port 70000 2>&1); rc=$?
expect_contains "an out-of-range port is refused" "$out" "--port"
if [[ $rc -ne 0 ]]; then ok "... with a non-zero exit"; else not_ok "... with a non-zero exit"; fi
out=$("$GANTRY" server --data-dir "$DATA" --port 0 --log-level chatty 2>&1); rc=$?
expect_contains "a bad log level is named" "$out" "chatty"
if [[ $rc -ne 0 ]]; then ok "... with a non-zero exit"; else not_ok "... with a non-zero exit"; fi

start_server "$DATA" || exit 1
busy=$PORT
out=$("$GANTRY" server --data-dir "$WORK/other" --bind-address 127.0.0.1 --port "$busy" 2>&1); rc=$?
expect_contains "a port in use is reported" "$out" "cannot listen on 127.0.0.1:$busy"
if [[ $rc -ne 0 ]]; then ok "... with a non-zero exit"; else not_ok "... with a non-zero exit"; fi
stop_server TERM

# Certificates: a year for the server's, renewed from the same CA at start
# once within 90 days of its end, or on demand.
residual_days() { "$GANTRY" certificate check --data-dir "$DATA" | awk -v f="$1" '$1 ~ f {print $4}' | tr -d d; }
check_out=$("$GANTRY" certificate check --data-dir "$DATA" 2>&1)
expect_contains "gantry certificate check lists the CA" "$check_out" "$DATA/tls/ca.crt"
days=$(residual_days server.crt)
if [[ $days -ge 363 && $days -le 365 ]]; then ok "the server certificate lasts a year ($days days left)"; else
  not_ok "the server certificate lasts a year" "$check_out"; fi
ca_before=$(sha256sum <"$DATA/tls/ca.crt")
server_before=$(sha256sum <"$DATA/tls/server.crt")
rotate_out=$("$GANTRY" certificate rotate --data-dir "$DATA" 2>&1)
expect_contains "gantry certificate rotate renews the server certificate" "$rotate_out" "renewed $DATA/tls/server.crt"
if [[ $(sha256sum <"$DATA/tls/server.crt") != "$server_before" ]]; then ok "... which is a new one"; else
  not_ok "... which is a new one"; fi
expect_eq "... from the same CA" "$(sha256sum <"$DATA/tls/ca.crt")" "$ca_before"
# A certificate 30 days from its end, signed by the same CA, as a year of uptime would leave it.
openssl req -new -key "$DATA/tls/server.key" -subj /CN=gantry-server 2>/dev/null |
  openssl x509 -req -CA "$DATA/tls/ca.crt" -CAkey "$DATA/tls/ca.key" -days 30 -out "$WORK/short.crt" \
    -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n') 2>/dev/null
cp "$WORK/short.crt" "$DATA/tls/server.crt"
expect_contains "certificate check warns of a certificate 30 days from its end" \
  "$("$GANTRY" certificate check --data-dir "$DATA" 2>&1)" "expires within 90 days"
start_server "$DATA" || exit 1
days=$(residual_days server.crt)
if [[ $days -ge 363 ]]; then ok "the next start renews it for a year"; else not_ok "the next start renews it" "$days days"; fi
expect_eq "... from the same CA" "$(sha256sum <"$DATA/tls/ca.crt")" "$ca_before"
expect_contains "... and the server serves it to clients that pinned the CA" "$(ctl version 2>&1)" "Server Version"

# gantry certificate and gantry snapshot read the server's config file for
# its data dir (and snapshot keys), checked against the server's flags.
printf 'data-dir: %s\nscheduler-shards: 2\nsnapshot-dir: %s\nsnapshot-retention: 1\n' "$DATA" "$WORK/config-snapshots" \
  >"$WORK/operator.yaml"
expect_contains "gantry certificate check --config finds the data dir in the server's config file" \
  "$("$GANTRY" certificate check --config "$WORK/operator.yaml" 2>&1)" "$DATA/tls/server.crt"
expect_contains "gantry snapshot save --config saves into its snapshot-dir" \
  "$("$GANTRY" snapshot save --config "$WORK/operator.yaml" 2>&1)" "saved $WORK/config-snapshots/gantry-snapshot-"
sleep 1
"$GANTRY" snapshot save --config "$WORK/operator.yaml" >/dev/null 2>&1
expect_contains "gantry snapshot prune --config keeps its snapshot-retention" \
  "$("$GANTRY" snapshot prune --config "$WORK/operator.yaml" 2>&1)" "1 deleted, the newest 1 kept"
expect_not_contains "... and a flag beats the file" \
  "$("$GANTRY" snapshot ls --config "$WORK/operator.yaml" --snapshot-dir "$WORK/elsewhere" 2>&1)" "config-snapshots"
printf 'data-dir: %s\nsnapshot-retain: 3\n' "$DATA" >"$WORK/typo.yaml"
out=$("$GANTRY" snapshot ls --config "$WORK/typo.yaml" 2>&1); rc=$?
expect_contains "a key the server does not know is named, with the file" "$out" \
  "--config $WORK/typo.yaml: unknown key \"snapshot-retain\""
expect_eq "... with exit code 2" "$rc" 2
stop_server TERM
finish
