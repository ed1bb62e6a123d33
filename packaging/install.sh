#!/usr/bin/env bash
# Installs gantry on this machine: build dependencies (apt-get), build,
# /usr/local/bin/gantry, /etc/gantry/server.yaml, the systemd unit, and
# starts the server. Without systemd as PID 1 the server runs in the foreground.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-install}

if [[ $(id -u) -ne 0 ]]; then
  echo "error: install.sh must run as root (it installs packages, a binary and a service)" >&2
  exit 1
fi
source "$ROOT/packaging/build-deps.sh"
ensure_build_deps

echo "building gantry in $BUILD_DIR"
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  meson setup "$BUILD_DIR" "$ROOT" --prefix="$PREFIX" --buildtype=release >/dev/null
fi
ninja -C "$BUILD_DIR" -j"$(nproc)" src/gantry
meson install -C "$BUILD_DIR" --no-rebuild --quiet

install -d -m 0755 /etc/gantry
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
  echo "try: gantry ctl apply -f $ROOT/configs/examples/pod.yaml && gantry ctl get pods"
else
  echo "systemd is not PID 1 here: running gantry server in the foreground (Ctrl-C stops it)."
  echo "from another shell: gantry ctl apply -f $ROOT/configs/examples/pod.yaml && gantry ctl get pods"
  exec "$PREFIX/bin/gantry" server --config /etc/gantry/server.yaml
fi
