#!/usr/bin/env bash
# Installs gantry on this machine: build dependencies (apt-get), build,
# /usr/local/bin/gantry, the config and systemd unit of the role, and starts it.
# Without systemd as PID 1 the role runs in the foreground.
#
#   packaging/install.sh                                   a server (with its embedded agent)
#   packaging/install.sh agent --server URL --token TOKEN  an agent joining that server
set -euo pipefail
ROLE=server
SERVER_URL=""
JOIN_TOKEN=""
if [[ "${1:-}" == "agent" ]]; then
  ROLE=agent
  shift
  while [[ $# -gt 0 ]]; do
    case $1 in
      --server) SERVER_URL=$2; shift 2 ;;
      --token) JOIN_TOKEN=$2; shift 2 ;;
      *) echo "error: unknown option $1 (usage: install.sh agent --server URL --token TOKEN)" >&2; exit 2 ;;
    esac
  done
  if [[ -z "$SERVER_URL" || -z "$JOIN_TOKEN" ]]; then
    echo "error: install.sh agent needs --server URL and --token TOKEN (the server's /var/lib/gantry/token)" >&2
    exit 2
  fi
elif [[ $# -gt 0 ]]; then
  echo "error: unknown role $1 (usage: install.sh [agent --server URL --token TOKEN])" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-install}

if [[ $(id -u) -ne 0 ]]; then
  echo "error: install.sh must run as root (it installs packages, a binary and a service)" >&2
  exit 1
fi
source "$ROOT/packaging/build-deps.sh"
ensure_build_deps "${GANTRY_RUNTIME_DEPS[@]}"

echo "building gantry in $BUILD_DIR"
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  meson setup "$BUILD_DIR" "$ROOT" --prefix="$PREFIX" --buildtype=release >/dev/null
fi
ninja -C "$BUILD_DIR" -j"$(nproc)" src/gantry
meson install -C "$BUILD_DIR" --no-rebuild --quiet

install -d -m 0755 /etc/gantry
if [[ $ROLE == agent ]]; then
  install -d -m 0700 /var/lib/gantry-agent
  umask 077
  printf 'server: %s\ntoken: %s\ndata-dir: /var/lib/gantry-agent\n' "$SERVER_URL" "$JOIN_TOKEN" >/etc/gantry/agent.yaml
  echo "wrote /etc/gantry/agent.yaml"
  install -m 0644 "$ROOT/packaging/gantry-agent.service" /etc/systemd/system/gantry-agent.service 2>/dev/null || true
  if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == "systemd" ]]; then
    systemctl daemon-reload
    systemctl enable --now gantry-agent.service
    echo "gantry agent is running (systemctl status gantry-agent)."
  else
    echo "systemd is not PID 1 here: running gantry agent in the foreground (Ctrl-C stops it)."
    exec "$PREFIX/bin/gantry" agent --config /etc/gantry/agent.yaml
  fi
  exit 0
fi
install -d -m 0700 /var/lib/gantry
if [[ ! -f /etc/gantry/server.yaml ]]; then
  install -m 0644 "$ROOT/configs/server.yaml" /etc/gantry/server.yaml
  echo "wrote /etc/gantry/server.yaml"
fi
# The server rewrites its kubeconfig on every start (the port may change);
# gantry ctl reads /etc/gantry/kubeconfig.yaml by default.
ln -sfn /var/lib/gantry/kubeconfig.yaml /etc/gantry/kubeconfig.yaml
install -m 0644 "$ROOT/packaging/gantry-server.service" /etc/systemd/system/gantry-server.service 2>/dev/null || true

if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == "systemd" ]]; then
  systemctl daemon-reload
  systemctl enable --now gantry-server.service
  for _ in $(seq 1 100); do
    [[ -s /var/lib/gantry/kubeconfig.yaml ]] && "$PREFIX/bin/gantry" ctl version >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "gantry server is running (systemctl status gantry-server)."
  echo "join other machines: packaging/install.sh agent --server https://$(hostname):6443 --token \$(cat /var/lib/gantry/token)"
  echo "try: gantry ctl apply -f $ROOT/configs/examples/pod.yaml && gantry ctl get pods"
else
  echo "systemd is not PID 1 here: running gantry server in the foreground (Ctrl-C stops it)."
  echo "from another shell: gantry ctl apply -f $ROOT/configs/examples/pod.yaml && gantry ctl get pods"
  exec "$PREFIX/bin/gantry" server --config /etc/gantry/server.yaml
fi
