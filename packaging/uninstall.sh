#!/usr/bin/env bash
# Stops and removes gantry. State in /var/lib/gantry is kept unless --purge.
set -euo pipefail
PREFIX=${PREFIX:-/usr/local}
if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == "systemd" ]]; then
  systemctl disable --now gantry-server.service gantry-agent.service 2>/dev/null || true
  rm -f /etc/systemd/system/gantry-server.service /etc/systemd/system/gantry-agent.service
  systemctl daemon-reload
fi
rm -f "$PREFIX/bin/gantry" "$PREFIX/share/man/man1/gantry.1" /etc/gantry/kubeconfig.yaml
if [[ "${1:-}" == "--purge" ]]; then
  rm -rf /var/lib/gantry /var/lib/gantry-agent /etc/gantry
  echo "removed gantry and its state"
else
  echo "removed gantry; state kept in /var/lib/gantry and /etc/gantry (--purge removes them)"
fi
