#!/usr/bin/env bash
# gantry's units under a real systemd: install.sh in its systemd mode, with
# Debian's systemd as PID 1 of its own namespaces (systemd/systemd_lib.sh),
# since this machine's PID 1 is not systemd. What an operator relies on:
# the service is active only once the API answers (Type=notify), a crashed
# server is restarted (Restart=always, RestartSec=5s), pods survive a
# restart and a stop of the service (KillMode=process) and are adopted,
# SIGTERM is a clean stop, a second install.sh restarts nothing,
# gantry-killall.sh stops pods too, and gantry-uninstall.sh --purge leaves
# no unit. The same for an agent joining a server.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/systemd/systemd_lib.sh"

INSTALLED=/usr/local/bin/gantry
DATA=$WORK/var-lib-gantry
SLEEP_SERVER="sleep 1006"
SLEEP_AGENT="sleep 1007"
SLEEP_PROBE="sleep 1008"

cleanup_systemd_test() {
  if [[ -n $SYSTEMD_PID && -x /usr/local/bin/gantry-uninstall.sh ]]; then
    in_systemd /usr/local/bin/gantry-uninstall.sh --purge >/dev/null 2>&1
  fi
  stop_systemd
  pkill -KILL -f "^($SLEEP_SERVER|$SLEEP_AGENT|$SLEEP_PROBE)$" 2>/dev/null
  cleanup
}
trap cleanup_systemd_test EXIT

require_disposable_machine systemd_test
if ! boot_systemd; then
  not_ok "systemd boots as PID 1 of its own namespaces"
  finish
fi
ok "systemd boots as PID 1 of its own namespaces"

# unit_property UNIT PROPERTY: one value from systemctl show.
unit_property() { in_systemd systemctl show -p "$2" --value "$1"; }
main_pid() { unit_property "$1" MainPID; }
api_answers() { "$INSTALLED" ctl --kubeconfig "$DATA/kubeconfig.yaml" version >/dev/null 2>&1; }
sctl() { "$INSTALLED" ctl --kubeconfig "$DATA/kubeconfig.yaml" "$@"; }

skip_out=$(in_systemd env INSTALL_GANTRY_SKIP_ENABLE=true INSTALL_GANTRY_SKIP_START=true \
  INSTALL_GANTRY_BUILD_DIR="$ROOT/build" "$ROOT/packaging/install.sh" -- --port 0 --agent-port 0 \
  --bind-address 127.0.0.1 --data-dir "$DATA" --node-name "systemd-$$" 2>&1)
expect_eq "INSTALL_GANTRY_SKIP_ENABLE=true INSTALL_GANTRY_SKIP_START=true installs the unit, neither enabled nor started" \
  "$(in_systemd systemctl is-enabled gantry-server.service) $(in_systemd systemctl is-active gantry-server.service)" \
  "disabled inactive"
[[ -f /etc/systemd/system/gantry-server.service ]] || echo "$skip_out" | tail -20 | sed 's/^/#   /'

install_out=$(in_systemd env INSTALL_GANTRY_BUILD_DIR="$ROOT/build" "$ROOT/packaging/install.sh" -- --port 0 \
  --agent-port 0 --bind-address 127.0.0.1 --data-dir "$DATA" --node-name "systemd-$$" 2>&1)
install_rc=$?
expect_eq "install.sh under systemd exits 0" "$install_rc" 0
expect_contains "... and starts gantry-server.service" "$install_out" "starting gantry-server.service"
[[ $install_rc -eq 0 ]] || { echo "$install_out" | tail -20 | sed 's/^/#   /'; finish; }
# systemctl returned once the unit was active, which Type=notify makes
# "once the server sent READY=1": the API must answer now, without waiting.
check "the API answers as soon as the unit is active (READY=1 after the API serves)" api_answers
expect_eq "gantry-server.service is active and enabled" \
  "$(in_systemd systemctl is-active gantry-server.service) $(in_systemd systemctl is-enabled gantry-server.service)" \
  "active enabled"
expect_eq "... as the unit says: notify, restart always after 5 s, process kill mode, delegated, no task or file limit" \
  "$(in_systemd systemctl show -p Type,Restart,RestartUSec,KillMode,Delegate,LimitNOFILE,TasksMax gantry-server.service | sort | tr '\n' ' ')" \
  "Delegate=yes KillMode=process LimitNOFILE=1048576 Restart=always RestartUSec=5s TasksMax=infinity Type=notify "
# MainPID is a pid of systemd's namespace: look at it from there.
server_pid=$(main_pid gantry-server.service)
expect_contains "... with the server in the unit's cgroup" "$(in_systemd grep name=systemd "/proc/$server_pid/cgroup")" \
  "/system.slice/gantry-server.service"

# The README's promise: the installed server's embedded agent runs the example pod.
check "the example pod applies" sctl apply -f /etc/gantry/examples/pod.yaml
example_succeeded() { [[ $(sctl get pod hello -o jsonpath='{.status.phase}' 2>/dev/null) == Succeeded ]]; }
check "... and runs to completion on the embedded agent" wait_for 60 example_succeeded

# A pod on the embedded agent (pids from here on are this machine's), which lives in the delegated unit's cgroup tree.
check "a long-running pod starts on the embedded agent" sctl run sleeper --image=busybox --restart=Never -- sleep 1006
server_pod_pid() { pgrep -f "^$SLEEP_SERVER$"; }
check "... as a process" wait_for 60 server_pod_pid
pod_pid=$(server_pod_pid)
expect_contains "... below the unit's cgroup" "$(grep ':cpu:' "/proc/$pod_pid/cgroup")" \
  "/system.slice/gantry-server.service/gantry/"

# Restart=always: a crashed server is back after RestartSec, and adopts the pod.
in_systemd kill -KILL "$server_pid"
restarted() { [[ $(unit_property gantry-server.service NRestarts) == 1 && $(in_systemd systemctl is-active gantry-server.service) == active ]]; }
check "a server killed with SIGKILL is restarted by systemd" wait_for 30 restarted
new_pid=$(main_pid gantry-server.service)
check "... as a new process" test "$new_pid" != "$server_pid"
check "... whose API answers" wait_for 10 api_answers
check "... while the pod's process ran on (KillMode=process)" process_alive "$pod_pid"
sleeper_running() { [[ $(sctl get pod sleeper -o jsonpath='{.status.phase}' 2>/dev/null) == Running ]]; }
check "... and the pod is still Running (adopted)" wait_for 30 sleeper_running

# systemctl restart and stop: SIGTERM to the server only, which exits cleanly.
check "systemctl restart gantry-server succeeds" in_systemd systemctl restart gantry-server.service
check "... and the pod's process survives it" process_alive "$pod_pid"
check "systemctl stop gantry-server succeeds" in_systemd systemctl stop gantry-server.service
expect_eq "... the server exited 0 on SIGTERM (result success, unit inactive)" \
  "$(unit_property gantry-server.service Result) $(unit_property gantry-server.service ExecMainStatus) $(in_systemd systemctl is-active gantry-server.service)" \
  "success 0 inactive"
check "... and the pod's process survives the stop" process_alive "$pod_pid"
check "systemctl start gantry-server succeeds" in_systemd systemctl start gantry-server.service
check "... and the pod is Running again" wait_for 30 sleeper_running

# install.sh again, nothing changed: nothing restarts.
started_pid=$(main_pid gantry-server.service)
again_out=$(in_systemd env INSTALL_GANTRY_BUILD_DIR="$ROOT/build" "$ROOT/packaging/install.sh" -- --port 0 \
  --agent-port 0 --bind-address 127.0.0.1 --data-dir "$DATA" --node-name "systemd-$$" 2>&1)
expect_contains "a second install.sh with nothing changed does not restart the unit" "$again_out" \
  "gantry-server.service is running and nothing changed: not restarted"
expect_eq "... which keeps its main pid" "$(main_pid gantry-server.service)" "$started_pid"

# gantry-killall.sh stops the unit and the pods it left running.
killall_out=$(in_systemd /usr/local/bin/gantry-killall.sh 2>&1)
expect_contains "gantry-killall.sh succeeds" "$killall_out" "gantry stopped"
expect_eq "... the unit is inactive and the pod's process is gone" \
  "$(in_systemd systemctl is-active gantry-server.service) $(process_alive "$pod_pid" && echo alive)" "inactive "

uninstall_out=$(in_systemd /usr/local/bin/gantry-uninstall.sh --purge 2>&1)
expect_contains "gantry-uninstall.sh --purge succeeds" "$uninstall_out" "gantry is removed, with its data"
expect_eq "... leaves no unit file, enablement or binary" \
  "$(ls /etc/systemd/system/gantry-server.service /etc/systemd/system/multi-user.target.wants/gantry-server.service \
    "$INSTALLED" 2>/dev/null)" ""
expect_eq "... and systemd no longer knows the unit" \
  "$(unit_property gantry-server.service LoadState)" "not-found"

# An agent joining a server (which runs outside, without its own agent).
start_server "$WORK/joined" || { not_ok "a server for the agent to join starts"; finish; }
AGENT_NODE="systemd-agent-$$"
agent_out=$(in_systemd env GANTRY_URL="https://127.0.0.1:$PORT" GANTRY_TOKEN="$(cat "$WORK/joined/token")" \
  INSTALL_GANTRY_BUILD_DIR="$ROOT/build" "$ROOT/packaging/install.sh" -- --node-name "$AGENT_NODE" \
  --data-dir "$WORK/agent-data" 2>&1)
agent_rc=$?
expect_eq "install.sh installs an agent under systemd" "$agent_rc" 0
[[ $agent_rc -eq 0 ]] || echo "$agent_out" | tail -20 | sed 's/^/#   /'
expect_eq "... gantry-agent.service is active and enabled" \
  "$(in_systemd systemctl is-active gantry-agent.service) $(in_systemd systemctl is-enabled gantry-agent.service)" \
  "active enabled"
node_ready() {
  [[ $(ctl get node "$AGENT_NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}
check "... its node is Ready as soon as the unit is active (READY=1 after it registered)" node_ready
check "a pod runs on the agent's node" ctl run agent-sleeper --image=busybox --restart=Never \
  --overrides="{\"spec\":{\"nodeName\":\"$AGENT_NODE\"}}" -- sleep 1007
agent_pod_pid() { pgrep -f "^$SLEEP_AGENT$"; }
check "... as a process" wait_for 60 agent_pod_pid
agent_pod=$(agent_pod_pid)
agent_pid=$(main_pid gantry-agent.service)
check "systemctl restart gantry-agent succeeds" in_systemd systemctl restart gantry-agent.service
check "... with a new agent process" test "$(main_pid gantry-agent.service)" != "$agent_pid"
check "... while the pod's process ran on (KillMode=process)" process_alive "$agent_pod"
agent_sleeper_running() {
  [[ $(ctl get pod agent-sleeper -o jsonpath='{.status.phase}' 2>/dev/null) == Running ]]
}
check "... and the pod is still Running" wait_for 30 agent_sleeper_running
in_systemd /usr/local/bin/gantry-uninstall.sh --purge >/dev/null 2>&1
expect_eq "gantry-uninstall.sh --purge stops the agent and its pod and removes its unit" \
  "$(in_systemd systemctl is-active gantry-agent.service) $(process_alive "$agent_pod" && echo alive)$(ls /etc/systemd/system/gantry-agent.service 2>/dev/null)" \
  "inactive "

# A reinstalled machine: its node credential went with --purge, the node
# object stayed on the server; the join token gets it a fresh credential.
stale_heartbeat=$(ctl get lease "$AGENT_NODE" -n kube-node-lease -o jsonpath='{.spec.renewTime}' 2>/dev/null)
rejoin_out=$(in_systemd env GANTRY_URL="https://127.0.0.1:$PORT" GANTRY_TOKEN="$(cat "$WORK/joined/token")" \
  INSTALL_GANTRY_BUILD_DIR="$ROOT/build" "$ROOT/packaging/install.sh" -- --node-name "$AGENT_NODE" \
  --data-dir "$WORK/agent-data" 2>&1)
expect_contains "a reinstalled agent joins again under its node's name" "$rejoin_out" "agent joined"
renewed() {
  local now
  now=$(ctl get lease "$AGENT_NODE" -n kube-node-lease -o jsonpath='{.spec.renewTime}' 2>/dev/null)
  [[ -n $now && $now != "$stale_heartbeat" ]] && node_ready
}
check "... and its node heartbeats and is Ready again" wait_for 30 renewed
in_systemd /usr/local/bin/gantry-uninstall.sh --purge >/dev/null 2>&1
stop_server TERM

# cgroup v2, the default of Debian 12 hosts. This machine binds cpu and
# memory to v1, so the agent cannot run on v2 here; pod_scope_probe places a
# "pod" as the agent does, with the one domain controller v2 has here
# (hugetlb) enabled above it, under a systemd booted on the v2 hierarchy alone.
stop_systemd
if boot_systemd unified && systemd_delegate_controller hugetlb; then
  ok "systemd boots on a cgroup v2 hierarchy of its own"
  PROBE=$ROOT/build/tests/pod_scope_probe
  probe_pod() { pgrep -f "^$SLEEP_PROBE$"; }
  # run_probe UNIT [--below-unit]: a delegated service as gantry's units are.
  run_probe() {
    in_systemd systemd-run --quiet --unit="$1" -p Delegate=yes -p KillMode=process -p Restart=always \
      -p RestartSec=1s "$PROBE" "${@:2}"
  }
  # Pods below the service itself: what the agent no longer does, and why.
  run_probe probe-below --below-unit
  check "a pod below its delegated service's own cgroup starts" wait_for 10 probe_pod
  in_systemd kill -KILL "$(main_pid probe-below.service)"
  failed_restart() { [[ $(unit_property probe-below.service ExecMainStatus) == 219 ]]; }
  check "... and systemd cannot restart the service while it runs (status=219/CGROUP)" wait_for 10 failed_restart
  in_systemd systemctl stop probe-below.service
  pkill -KILL -f "^$SLEEP_PROBE$"
  # Pods in gantry-pods.scope, as the agent places them.
  run_probe probe-scope
  check "a pod in the delegated gantry-pods.scope starts" wait_for 10 probe_pod
  probe_pid=$(probe_pod)
  expect_eq "... in its own group of the scope, which systemd delegates and keeps active" \
    "$(sed -n "s|^0::/$SYSTEMD_GROUP||p" "/proc/$probe_pid/cgroup") $(unit_property gantry-pods.scope Delegate) $(unit_property gantry-pods.scope ActiveState)" \
    "/system.slice/gantry-pods.scope/gantry/pod yes active"
  expect_eq "... with its holder in the scope's leaf" \
    "$(in_systemd cat /sys/fs/cgroup/system.slice/gantry-pods.scope/holder/cgroup.procs | wc -l)" 1
  in_systemd kill -KILL "$(main_pid probe-scope.service)"
  probe_restarted() {
    [[ $(unit_property probe-scope.service NRestarts) -ge 1 && $(in_systemd systemctl is-active probe-scope.service) == active ]]
  }
  check "a service whose pods live in the scope is restarted by systemd after SIGKILL" wait_for 10 probe_restarted
  check "... with its pod still running" process_alive "$probe_pid"
  in_systemd systemctl stop probe-scope.service
  check "... and after the service stops, the scope keeps the pod" process_alive "$probe_pid"
  killall_v2_out=$(in_systemd bash "$ROOT/packaging/gantry-killall.sh" 2>&1)
  scope_gone() { [[ $(unit_property gantry-pods.scope ActiveState) != active ]] && ! process_alive "$probe_pid"; }
  check "gantry-killall.sh ends the pod and the scope with its holder" wait_for 10 scope_gone
  [[ $killall_v2_out == *"gantry stopped"* ]] || echo "# $killall_v2_out"
else
  not_ok "systemd boots on a cgroup v2 hierarchy of its own"
fi
finish
