#!/usr/bin/env bash
# Stops gantry on this machine and everything it started: the service, every
# pod process (pods outlive the agent by design, so stopping the service alone
# leaves them running), their cgroups, network namespaces, tmpfs volumes and
# the pod bridge. Data is kept. Installed as /usr/local/bin/gantry-killall.sh.
set -uo pipefail

[[ $(id -u) -eq 0 ]] || { echo "error: gantry-killall.sh must run as root" >&2; exit 1; }
STATE=/usr/local/share/gantry

# Data dirs: the defaults and those install.sh recorded.
data_dirs=(/var/lib/gantry /var/lib/gantry-agent)
if [[ -f $STATE/data-dirs ]]; then
  mapfile -t -O "${#data_dirs[@]}" data_dirs <"$STATE/data-dirs"
fi

# The pids of gantry processes: server, agent, and the zygote and shims they fork.
gantry_pids() {
  local exe pid
  for exe in /proc/[0-9]*/exe; do
    pid=${exe#/proc/}
    pid=${pid%/exe}
    [[ $(readlink "$exe" 2>/dev/null) == */bin/gantry ]] && echo "$pid"
  done
}

# 1. The services, then any gantry process left (no systemd, or run by hand):
# server, agent, and the shims that hold the containers.
if [[ "$(ps -p 1 -o comm= 2>/dev/null)" == systemd ]]; then
  systemctl stop gantry-server.service gantry-agent.service 2>/dev/null
fi
mapfile -t pids < <(gantry_pids)
if [[ ${#pids[@]} -gt 0 ]]; then
  kill -TERM "${pids[@]}" 2>/dev/null
  for _ in $(seq 1 100); do
    mapfile -t pids < <(gantry_pids)
    [[ ${#pids[@]} -eq 0 ]] && break
    sleep 0.1
  done
  [[ ${#pids[@]} -gt 0 ]] && kill -KILL "${pids[@]}" 2>/dev/null
fi

# 2. Every process in gantry's cgroups (the pods), then the cgroups, deepest
# first. v1: a "gantry" group in each hierarchy; v2: in the unified tree, in
# the delegated gantry-pods.scope under systemd (with the holder that keeps
# the scope; systemd removes the scope once it is empty).
mapfile -t groups < <(find /sys/fs/cgroup -mindepth 1 -type d \( -name gantry -o -name gantry-pods.scope \) -prune \
  2>/dev/null)
for round in 1 2 3 4 5 6 7 8 9 10; do
  alive=0
  for group in "${groups[@]}"; do
    while read -r pid; do
      [[ -n $pid ]] || continue
      alive=1
      if [[ $round -le 5 ]]; then kill -TERM "$pid" 2>/dev/null; else kill -KILL "$pid" 2>/dev/null; fi
    done < <(find "$group" -name cgroup.procs -exec cat {} + 2>/dev/null)
  done
  [[ $alive -eq 0 ]] && break
  sleep 1
done
for group in "${groups[@]}"; do
  find "$group" -depth -type d -exec rmdir {} \; 2>/dev/null
done

# 3. Mounts under the data dirs: network namespace pins and tmpfs volumes.
for dir in "${data_dirs[@]}"; do
  awk -v d="${dir%/}/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
  rm -f "${dir%/}"/agent/netns/* "${dir%/}"/netns/* 2>/dev/null
done

# 4. The pod bridge (its veths went with the namespaces).
if ip link show gantry0 >/dev/null 2>&1; then ip link delete gantry0; fi

left=$(gantry_pids | wc -l)
if [[ $left -ne 0 ]]; then
  echo "error: $left gantry processes survived SIGKILL" >&2
  exit 1
fi
echo "gantry stopped: its services, pods, cgroups, mounts and pod network are gone"
