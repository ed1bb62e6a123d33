#!/usr/bin/env bash
# packaging/install.sh as an operator runs it on a machine without systemd as
# PID 1 (this one is disposable: the test installs into /usr/local and /etc
# and removes everything again): the server starts in the background and
# answers, runs the example pod, a second run changes nothing, the units
# verify, and gantry-uninstall.sh --purge leaves no installed file and no pod
# process behind. Also: shellcheck over every script of the repository.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

INSTALLED=/usr/local/bin/gantry
MANIFEST=/usr/local/share/gantry/installed-files
DATA=$WORK/var-lib-gantry

cleanup_install() {
  [[ -x /usr/local/bin/gantry-uninstall.sh ]] && /usr/local/bin/gantry-uninstall.sh --purge >/dev/null 2>&1
  pkill -KILL -f "^sleep 1004$" 2>/dev/null
  cleanup
}
trap cleanup_install EXIT

require_disposable_machine install_test
if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == systemd ]]; then
  not_ok "systemd is PID 1 here: install_test covers the no-systemd mode and would install a real unit"
  finish
fi

# The release build tests/run.sh made is reused (no second build); the
# service's ports are kernel-chosen so nothing else on the machine collides.
install_out=$(INSTALL_GANTRY_BUILD_DIR=$ROOT/build "$ROOT/packaging/install.sh" -- --port 0 --agent-port 0 \
  --bind-address 127.0.0.1 --data-dir "$DATA" --node-name "install-$$" 2>&1)
install_rc=$?
expect_eq "install.sh exits 0" "$install_rc" 0
expect_contains "... says it runs the server without systemd" "$install_out" "systemd is not PID 1 here"
expect_contains "... prints the kubeconfig path" "$install_out" "kubeconfig: $DATA/kubeconfig.yaml"
expect_contains "... and the join token's" "$install_out" "join token: $DATA/token"
[[ $install_rc -eq 0 ]] || { echo "$install_out" | tail -20 | sed 's/^/#   /'; finish; }

for file in /usr/local/bin/gantry /usr/local/bin/gantry-killall.sh /usr/local/bin/gantry-uninstall.sh \
    /usr/local/share/man/man1/gantry.1 /usr/local/share/man/man1/gantry-ctl.1 /usr/local/share/man/man1/gantry-bench.1 \
    /usr/local/share/man/man8/gantry-server.8 /usr/local/share/man/man8/gantry-agent.8 \
    /usr/local/share/bash-completion/completions/gantry /usr/local/share/zsh/site-functions/_gantry \
    /etc/gantry/server.yaml /etc/gantry/agent.yaml /etc/gantry/examples/pod.yaml /etc/default/gantry-server \
    /etc/systemd/system/gantry-server.service; do
  [[ -e $file ]] || missing="${missing:-} $file"
done
expect_eq "binary, scripts, man pages, completion, configs and the unit are installed" "${missing:-}" ""

server_pid=$(cat "$DATA/gantry-server.pid" 2>/dev/null)
check "the server runs in the background" kill -0 "$server_pid"
expect_contains "gantry ctl answers through /etc/gantry/kubeconfig.yaml" "$("$INSTALLED" ctl version 2>&1)" "Server Version"
expect_contains "man gantry-ctl renders" "$(MANWIDTH=80 man gantry-ctl 2>&1)" "manage a gantry cluster like kubectl"
expect_contains "bash completion completes subcommands" \
  "$(bash -c 'source /usr/local/share/bash-completion/completions/gantry; COMP_WORDS=(gantry ct); COMP_CWORD=1; _gantry; echo "${COMPREPLY[*]}"')" "ctl"

check_out=$("$INSTALLED" check-config --data-dir "$DATA" --ports 0 2>&1)
check_rc=$?
expect_eq "gantry check-config passes on this machine" "$check_rc" 0
expect_contains "... checking root, cgroups, namespaces, CNI, data dirs, ports and the clock" "$check_out" \
  "ok       namespaces: pid, mnt, uts, ipc, net"
expect_contains "... and says so" "$check_out" "this machine can run gantry"
nobody_out=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$INSTALLED" check-config --data-dir "$DATA" 2>&1)
nobody_rc=$?
expect_eq "check-config as a user who cannot run the agent exits 1" "$nobody_rc" 1
expect_contains "... with what to do" "$nobody_out" "missing  running as root"

# The embedded agent runs the example pod on this machine.
check "the example pod applies" "$INSTALLED" ctl apply -f /etc/gantry/examples/pod.yaml
pod_succeeded() { [[ $("$INSTALLED" ctl get pod hello -o jsonpath='{.status.phase}' 2>/dev/null) == Succeeded ]]; }
check "... and runs to completion on the embedded agent" wait_for 60 pod_succeeded
expect_contains "... with its output" "$("$INSTALLED" ctl logs hello 2>&1)" "hello"
check "a long-running pod starts" "$INSTALLED" ctl run sleeper --image=busybox --restart=Never -- sleep 1004
sleeper_running() { pgrep -f "^sleep 1004$" >/dev/null; }
check "... as a process on this machine" wait_for 60 sleeper_running

# Run again: an upgrade in place that changes nothing restarts nothing.
again_out=$(INSTALL_GANTRY_BUILD_DIR=$ROOT/build "$ROOT/packaging/install.sh" -- --port 0 --agent-port 0 \
  --bind-address 127.0.0.1 --data-dir "$DATA" --node-name "install-$$" 2>&1)
expect_contains "a second install.sh with nothing changed does not restart the server" "$again_out" \
  "nothing changed: not restarted"
expect_eq "... which keeps its pid" "$(cat "$DATA/gantry-server.pid" 2>/dev/null)" "$server_pid"
expect_eq "... and its pods" "$("$INSTALLED" ctl get pods -o name 2>/dev/null | sort | tr '\n' ' ')" "pod/hello pod/sleeper "
# A changed argument is a changed service: it restarts, keeping its data.
changed_out=$(INSTALL_GANTRY_BUILD_DIR=$ROOT/build "$ROOT/packaging/install.sh" -- --port 0 --agent-port 0 \
  --bind-address 127.0.0.1 --data-dir "$DATA" --node-name "install-$$" --log-level warn 2>&1)
new_pid=$(cat "$DATA/gantry-server.pid" 2>/dev/null)
if [[ -n $new_pid && $new_pid != "$server_pid" ]] && kill -0 "$new_pid" 2>/dev/null; then
  ok "an install with a changed argument restarts the server"
else
  not_ok "an install with a changed argument restarts the server" "$changed_out"
fi
expect_eq "... which keeps its data" "$("$INSTALLED" ctl get pods -o name 2>/dev/null | sort | tr '\n' ' ')" \
  "pod/hello pod/sleeper "

# A snapshot of the running server, restored into a second server, holds the same objects.
check "gantry snapshot ls lists nothing before a save" bash -c "! '$INSTALLED' snapshot ls --data-dir '$DATA' | grep -q gantry-snapshot"
snapshot_out=$("$INSTALLED" snapshot save --data-dir "$DATA" 2>&1)
expect_contains "gantry snapshot save works while the server runs" "$snapshot_out" "saved $DATA/snapshots/gantry-snapshot-"
expect_contains "... and gantry snapshot ls lists it" "$("$INSTALLED" snapshot ls --data-dir "$DATA" 2>&1)" \
  "$DATA/snapshots/gantry-snapshot-"
snapshot_file=$(sed -n 's/^saved \([^ ]*\) .*/\1/p' <<<"$snapshot_out")
start_server "$WORK/restored" --restore "$snapshot_file" || not_ok "a second server starts from the snapshot"
expect_eq "a second server restored from it holds the same pods" \
  "$(ctl get pods -o name 2>/dev/null | sort | tr '\n' ' ')" "pod/hello pod/sleeper "
expect_eq "... and the same namespaces" "$(ctl get namespaces -o name 2>/dev/null | sort | tr '\n' ' ')" \
  "$("$INSTALLED" ctl get namespaces -o name 2>/dev/null | sort | tr '\n' ' ')"
stop_server TERM
expect_contains "... after saying so in its log" "$(cat "$WORK/restored/server.log")" "restored the store from"

verify_out=$(systemd-analyze verify /etc/systemd/system/gantry-server.service "$ROOT/packaging/systemd/gantry-agent.service" 2>&1)
expect_eq "systemd-analyze verify passes on both units" "$verify_out" ""

shellcheck_out=$(cd "$ROOT" && git ls-files '*.sh' .ci/run | xargs shellcheck -x 2>&1)
expect_eq "shellcheck is clean on every script" "$shellcheck_out" ""

# Uninstall with --purge: nothing installed remains, no gantry or pod process.
cp "$MANIFEST" "$WORK/manifest"
uninstall_out=$(/usr/local/bin/gantry-uninstall.sh --purge 2>&1)
expect_contains "gantry-uninstall.sh --purge succeeds" "$uninstall_out" "gantry is removed, with its data"
left=""
while read -r file; do [[ -e $file ]] && left="$left $file"; done <"$WORK/manifest"
for file in /etc/gantry /usr/local/share/gantry /etc/default/gantry-server "$DATA"; do
  [[ -e $file ]] && left="$left $file"
done
expect_eq "... leaves none of the installed files, configs or data" "$left" ""
installed_processes=$(for exe in /proc/[0-9]*/exe; do [[ $(readlink "$exe" 2>/dev/null) == "$INSTALLED" ]] && echo "$exe"; done)
expect_eq "... no gantry process" "$installed_processes" ""
expect_eq "... and no pod process" "$(pgrep -f '^sleep 1004$')" ""
check "... and no pod bridge" bash -c '! ip link show gantry0 >/dev/null 2>&1'

# The agent mode: GANTRY_URL and GANTRY_TOKEN join this machine to a server.
start_server "$WORK/joined" || exit 1
AGENT_NODE="installed-agent-$$"
agent_out=$(GANTRY_URL="https://127.0.0.1:$PORT" GANTRY_TOKEN="$(cat "$WORK/joined/token")" \
  INSTALL_GANTRY_BUILD_DIR=$ROOT/build "$ROOT/packaging/install.sh" -- --node-name "$AGENT_NODE" \
  --data-dir "$WORK/agent-data" 2>&1)
agent_rc=$?
expect_eq "GANTRY_URL=... GANTRY_TOKEN=... install.sh installs an agent" "$agent_rc" 0
[[ $agent_rc -eq 0 ]] || echo "$agent_out" | tail -20 | sed 's/^/#   /'
expect_contains "... which joined the server" "$agent_out" "agent joined https://127.0.0.1:$PORT"
node_ready() {
  [[ $(ctl get node "$AGENT_NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}
check "... and its node is Ready" wait_for 30 node_ready
expect_eq "... with its join token only in the root-only /etc/default/gantry-agent" \
  "$(stat -c %a /etc/default/gantry-agent 2>&1) $(grep -c "$(cat "$WORK/joined/token")" /etc/gantry/agent.yaml 2>&1)" "600 0"
check "... and its unit installed" test -f /etc/systemd/system/gantry-agent.service
agent_pid=$(cat "$WORK/agent-data/gantry-agent.pid" 2>/dev/null)
check "... running in the background" kill -0 "$agent_pid"
/usr/local/bin/gantry-uninstall.sh --purge >/dev/null 2>&1
expect_eq "gantry-uninstall.sh --purge stops and removes the agent" \
  "$(ls /usr/local/bin/gantry /etc/gantry "$WORK/agent-data" 2>/dev/null; process_alive "$agent_pid" && echo alive)" ""
stop_server TERM
finish
