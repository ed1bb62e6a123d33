#!/usr/bin/env bash
# Removes gantry from this machine: stops it and everything it started
# (gantry-killall.sh), then removes every file install.sh installed (units,
# binary, scripts, man pages, completion, /etc/gantry). The data dirs are
# kept unless --purge. Installed as /usr/local/bin/gantry-uninstall.sh.
set -uo pipefail

purge=false
case ${1:-} in
  "") ;;
  --purge) purge=true ;;
  -h | --help) echo "usage: gantry-uninstall.sh [--purge]   (--purge also removes the data dirs)"; exit 0 ;;
  *) echo "error: unknown argument $1 (usage: gantry-uninstall.sh [--purge])" >&2; exit 2 ;;
esac
[[ $(id -u) -eq 0 ]] || { echo "error: gantry-uninstall.sh must run as root" >&2; exit 1; }
STATE=/usr/local/share/gantry
MANIFEST=$STATE/installed-files
here=$(dirname "$(readlink -f "$0")")

"$here/gantry-killall.sh" || echo "warning: gantry-killall.sh did not stop everything; removing the files anyway" >&2

data_dirs=(/var/lib/gantry /var/lib/gantry-agent)
if [[ -f $STATE/data-dirs ]]; then
  mapfile -t -O "${#data_dirs[@]}" data_dirs <"$STATE/data-dirs"
fi

if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == systemd ]]; then
  systemctl disable gantry-server.service gantry-agent.service 2>/dev/null
fi
installed=()
[[ -f $MANIFEST ]] && mapfile -t installed <"$MANIFEST"
for file in "${installed[@]}"; do
  [[ -n $file ]] && rm -f "$file"
done
# Directories the install made (listed deepest first), when now empty.
if [[ -f $STATE/created-dirs ]]; then
  while read -r dir; do rmdir "$dir" 2>/dev/null; done <"$STATE/created-dirs"
fi
rm -rf /etc/gantry "$STATE"
rm -f /etc/default/gantry-server /etc/default/gantry-agent
if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == systemd ]]; then
  systemctl daemon-reload
fi

if $purge; then
  for dir in "${data_dirs[@]}"; do rm -rf "$dir"; done
  echo "gantry is removed, with its data (${data_dirs[*]})"
else
  echo "gantry is removed; its data is kept in ${data_dirs[*]} (gantry-uninstall.sh --purge removes it)"
fi
