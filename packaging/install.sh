#!/usr/bin/env bash
# Installs gantry from this source checkout and starts it, as k3s's install
# script does: build dependencies (apt-get), a release build, the binary, man
# pages, shell completion, /etc/gantry/{server,agent}.yaml (an existing one is
# never overwritten), gantry-killall.sh, gantry-uninstall.sh and the systemd
# unit of the role.
#
#   packaging/install.sh                                     a server with its embedded agent
#   GANTRY_URL=https://HOST:6443 GANTRY_TOKEN=T packaging/install.sh
#   packaging/install.sh agent --server URL --token T        an agent joining that server
#   packaging/install.sh [agent ...] -- ARGS...              ARGS go to the service
#
# Environment:
#   GANTRY_URL, GANTRY_TOKEN          install an agent joining this server
#   GANTRY_EXEC                       arguments for the service (as after --)
#   INSTALL_GANTRY_SKIP_ENABLE=true   do not enable the unit at boot
#   INSTALL_GANTRY_SKIP_START=true    do not start (or restart) the service
#   INSTALL_GANTRY_BUILD_DIR          the meson build directory (default <checkout>/build-install)
#
# Run again, it upgrades in place: data is kept, and the service is
# restarted only when the binary, the config, the unit or the arguments
# changed. Without systemd as PID 1 the service runs in the background with
# its log in its data dir.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/usr/local
BUILD_DIR=${INSTALL_GANTRY_BUILD_DIR:-$ROOT/build-install}
MANIFEST=$PREFIX/share/gantry/installed-files

fail() {
  echo "error: $*" >&2
  exit 1
}
usage_error() {
  echo "error: $*" >&2
  echo "usage: install.sh [agent --server URL --token TOKEN] [-- SERVICE_ARGS...]" >&2
  exit 2
}

role=server
server_url=${GANTRY_URL:-}
join_token=${GANTRY_TOKEN:-}
service_args=${GANTRY_EXEC:-}
[[ -n $server_url || -n $join_token ]] && role=agent
if [[ ${1:-} == agent ]]; then
  role=agent
  shift
elif [[ ${1:-} == server ]]; then
  shift
fi
while [[ $# -gt 0 ]]; do
  case $1 in
    --server) [[ $# -ge 2 ]] || usage_error "--server needs a URL"; server_url=$2; shift 2 ;;
    --token) [[ $# -ge 2 ]] || usage_error "--token needs a value"; join_token=$2; shift 2 ;;
    --) shift; service_args="$service_args $*"; break ;;
    *) usage_error "unknown argument $1" ;;
  esac
done
service_args=$(echo "$service_args" | xargs)
if [[ $role == agent && ( -z $server_url || -z $join_token ) ]]; then
  usage_error "an agent needs the server's URL and join token (GANTRY_URL and GANTRY_TOKEN, or --server and --token; the token is the server's <data-dir>/token)"
fi
[[ $(id -u) -eq 0 ]] || fail "install.sh must run as root: it installs packages, a binary and a service"

unit=gantry-$role
config=/etc/gantry/$role.yaml
env_file=/etc/default/$unit

# The data dir: --data-dir among the service's arguments, else the config's data-dir.
data_dir_of() {
  local args=$1 file=$2 default=$3 previous="" word
  for word in $args; do
    if [[ $previous == --data-dir ]]; then echo "$word"; return; fi
    if [[ $word == --data-dir=* ]]; then echo "${word#--data-dir=}"; return; fi
    previous=$word
  done
  local from_file
  from_file=$(sed -n 's/^data-dir:[[:space:]]*"\{0,1\}\([^"#]*[^"#[:space:]]\)"\{0,1\}.*$/\1/p' "$file" 2>/dev/null | tail -1)
  echo "${from_file:-$default}"
}

# What decides whether a running service must restart.
installed_state() {
  { cat "$PREFIX/bin/gantry" "$config" "$env_file" "/etc/systemd/system/$unit.service" 2>/dev/null || true; } | sha256sum
}

build_and_install_files() {
  source "$ROOT/packaging/build-deps.sh"
  ensure_build_deps "${GANTRY_RUNTIME_DEPS[@]}" || fail "could not install the build dependencies"
  echo "building gantry in $BUILD_DIR"
  if [[ ! -f $BUILD_DIR/build.ninja ]]; then
    meson setup "$BUILD_DIR" "$ROOT" --prefix="$PREFIX" --buildtype=release >/dev/null || fail "meson setup $BUILD_DIR failed"
  fi
  ninja -C "$BUILD_DIR" -j"$(nproc)" || fail "the build failed"
  # Directories the install is about to create, for the uninstaller.
  local dir created=()
  for dir in "$PREFIX/share/man/man1" "$PREFIX/share/man/man8" "$PREFIX/share/bash-completion/completions" \
      "$PREFIX/share/bash-completion" "$PREFIX/share/zsh/site-functions" "$PREFIX/share/zsh" "$PREFIX/share/gantry" \
      /etc/default; do
    [[ -d $dir ]] || created+=("$dir")
  done
  # meson installs the binary, the scripts, man pages and completion, and
  # lists what it installed; the uninstaller removes exactly that list.
  meson install -C "$BUILD_DIR" --no-rebuild --quiet --tags runtime,man,completion >/dev/null ||
    fail "meson install failed"

  install -d -m 0755 /etc/gantry "$(dirname "$MANIFEST")"
  local installed=()
  mapfile -t installed < <(grep -v '^#' "$BUILD_DIR/meson-logs/install-log.txt")
  local example
  for example in server agent; do
    if [[ ! -f /etc/gantry/$example.yaml ]]; then
      install -m 0600 "$ROOT/configs/$example.yaml" "/etc/gantry/$example.yaml"
      echo "wrote /etc/gantry/$example.yaml"
    fi
  done
  install -d -m 0755 /etc/gantry/scheduler-profiles /etc/gantry/examples
  cp -n "$ROOT"/configs/scheduler-profiles/*.yaml /etc/gantry/scheduler-profiles/
  cp -n "$ROOT"/configs/examples/*.yaml /etc/gantry/examples/
  install -d -m 0755 /etc/systemd/system
  install -m 0644 "$ROOT/packaging/systemd/$unit.service" "/etc/systemd/system/$unit.service"
  installed+=("/etc/systemd/system/$unit.service")
  # Agent credentials and service arguments live in the unit's environment
  # file, which this script owns (the config file stays the operator's).
  umask 077
  {
    echo "# Written by gantry's install.sh; read by $unit.service (\$GANTRY_EXEC)."
    if [[ $role == agent ]]; then
      echo "GANTRY_EXEC=\"--server $server_url --token $join_token${service_args:+ $service_args}\""
    else
      echo "GANTRY_EXEC=\"$service_args\""
    fi
  } >"$env_file.tmp"
  mv "$env_file.tmp" "$env_file"
  umask 022
  installed+=("$env_file")
  if [[ ${#created[@]} -gt 0 ]]; then
    printf '%s\n' "${created[@]}" >>"$(dirname "$MANIFEST")/created-dirs"
  fi
  # The manifest accumulates: a server and an agent installed one after the other are both removed.
  {
    [[ -f $MANIFEST ]] && cat "$MANIFEST"
    printf '%s\n' "${installed[@]}" "$MANIFEST"
  } | sort -u >"$MANIFEST.tmp"
  mv "$MANIFEST.tmp" "$MANIFEST"
}

start_without_systemd() {
  local data_dir=$1 pid_file=$1/$unit.pid log=$1/$unit.log pid
  install -d -m 0700 "$data_dir"
  if [[ -f $pid_file ]] && pid=$(cat "$pid_file") && kill -0 "$pid" 2>/dev/null; then
    echo "stopping the running $unit (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "$unit (pid $pid) did not stop within 30 s of SIGTERM"
  fi
  local command
  if [[ $role == agent ]]; then
    command=("$PREFIX/bin/gantry" agent --config "$config" --server "$server_url" --token "$join_token")
  else
    command=("$PREFIX/bin/gantry" server --config "$config")
  fi
  # The arguments are words, as systemd splits $GANTRY_EXEC.
  local extra=()
  read -r -a extra <<<"$service_args"
  command+=("${extra[@]}")
  local log_start=0
  [[ -f $log ]] && log_start=$(wc -c <"$log")
  setsid "${command[@]}" >>"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"
  echo "started $unit in the background (pid $pid, log $log)"
  # Ready: the server's API answers (the previous one has exited, so an old
  # kubeconfig finds nothing); the agent has registered its node, or runs on
  # after 10 s with a log level that hides the line.
  local tick
  for tick in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; fail "$unit exited at start; its log is $log"; }
    if [[ $role == server ]]; then
      [[ -s $data_dir/kubeconfig.yaml ]] &&
        "$PREFIX/bin/gantry" ctl --kubeconfig "$data_dir/kubeconfig.yaml" version >/dev/null 2>&1 && return 0
    else
      tail -c +"$((log_start + 1))" "$log" | grep -q "registered" && return 0
      [[ $tick -ge 100 ]] && return 0
    fi
    sleep 0.1
  done
  fail "$unit did not become ready within 60 s; its log is $log"
}

main() {
  local before after data_dir
  before=$(installed_state)
  build_and_install_files
  after=$(installed_state)
  if [[ $role == server ]]; then
    data_dir=$(data_dir_of "$service_args" "$config" /var/lib/gantry)
  else
    data_dir=$(data_dir_of "$service_args" "$config" /var/lib/gantry-agent)
  fi
  [[ $role == server ]] && ln -sfn "$data_dir/kubeconfig.yaml" /etc/gantry/kubeconfig.yaml
  # gantry-killall.sh and gantry-uninstall.sh find the data dir here.
  grep -qxF "$data_dir" "$(dirname "$MANIFEST")/data-dirs" 2>/dev/null ||
    echo "$data_dir" >>"$(dirname "$MANIFEST")/data-dirs"

  if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == systemd ]]; then
    systemctl daemon-reload
    [[ ${INSTALL_GANTRY_SKIP_ENABLE:-} == true ]] || systemctl enable "$unit.service" >/dev/null
    if [[ ${INSTALL_GANTRY_SKIP_START:-} != true ]]; then
      if [[ $before != "$after" ]] || ! systemctl is-active --quiet "$unit.service"; then
        echo "starting $unit.service"
        systemctl restart "$unit.service" || fail "$unit.service did not start: journalctl -u $unit"
      else
        echo "$unit.service is running and nothing changed: not restarted"
      fi
    fi
  else
    echo "systemd is not PID 1 here: $unit runs in the background, not as a unit"
    if [[ ${INSTALL_GANTRY_SKIP_START:-} != true ]]; then
      local pid_file=$data_dir/$unit.pid running=false
      [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null && running=true
      if [[ $before != "$after" || $running == false ]]; then
        start_without_systemd "$data_dir"
      else
        echo "$unit is running (pid $(cat "$pid_file")) and nothing changed: not restarted"
      fi
    fi
  fi

  if [[ $role == server ]]; then
    echo "kubeconfig: $data_dir/kubeconfig.yaml (also /etc/gantry/kubeconfig.yaml, which gantry ctl reads)"
    echo "join token: $data_dir/token"
    echo "join another machine: GANTRY_URL=https://$(hostname):6443 GANTRY_TOKEN=\$(cat $data_dir/token) packaging/install.sh"
    echo "try: gantry ctl apply -f /etc/gantry/examples/pod.yaml && gantry ctl get pods"
  else
    echo "agent joined $server_url; its data dir is $data_dir"
  fi
}

main
