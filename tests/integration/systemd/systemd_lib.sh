# shellcheck shell=bash
# A real systemd (Debian's /lib/systemd/systemd) as PID 1 of its own PID,
# mount, cgroup and UTS namespaces, for testing gantry's units and
# install.sh's systemd mode on a machine whose PID 1 is not systemd.
#
# It boots a stand-in target with no dependencies and reads units only from
# $SYSTEMD_UNITS (stand-ins for the targets gantry's units name) and
# /etc/systemd/system (where install.sh puts gantry's), so none of the
# machine's own units run: no getty, no tmpfiles cleaning the shared /tmp.
# Its cgroups live in a group of their own below the caller's in each
# hierarchy, which its cgroup namespace shows it as the root. File systems,
# network and devices are the machine's, so what install.sh writes is real.
#
# Needs: lib.sh sourced ($WORK), root, cgroup v1.

SYSTEMD_DIR=$WORK/systemd
SYSTEMD_UNITS=$SYSTEMD_DIR/units
SYSTEMD_PID=""
SYSTEMD_GROUP=gantry-systemd-test-$$
SYSTEMD_UNIFIED_ROOT=""

# in_systemd CMD...: runs CMD inside the namespaces, where systemctl talks to
# that systemd and `ps -p 1` names it.
in_systemd() { nsenter -t "$SYSTEMD_PID" -m -p -C -u -- "$@"; }

# The caller's group in each v1 hierarchy (memory is nested here, the others
# at the root), and in the v2 one mounted at /sys/fs/cgroup/unified (hybrid).
systemd_host_groups() {
  awk -F: '$2 != "" { name = $2; sub(/^name=/, "", name); print name ":" $3 }
           $1 == 0 { print "unified:" $3 }' /proc/self/cgroup
}

# boot_systemd [hybrid|unified]: hybrid mounts the machine's v1 hierarchies
# and its v2 one at /sys/fs/cgroup/unified, as the machine has them; unified
# mounts only the v2 hierarchy at /sys/fs/cgroup (what a cgroup v2 host
# looks like, with the controllers this machine leaves to v2: hugetlb).
boot_systemd() {
  local mode=${1:-hybrid}
  if [[ $(stat -fc %T /sys/fs/cgroup) != tmpfs || ! -d /sys/fs/cgroup/unified ]]; then
    echo "# boot_systemd supports hybrid cgroup hosts only (v1 hierarchies and v2 at /sys/fs/cgroup/unified)"
    return 1
  fi
  mkdir -p "$SYSTEMD_UNITS"
  printf '[Unit]\nDescription=gantry test boot target\nDefaultDependencies=no\n' >"$SYSTEMD_UNITS/gantry-test.target"
  local target
  for target in sysinit.target basic.target shutdown.target multi-user.target network-online.target; do
    printf '[Unit]\nDescription=%s (stand-in: nothing of the machine runs)\nDefaultDependencies=no\n' "$target" \
      >"$SYSTEMD_UNITS/$target"
  done

  local hierarchies=() entry name path
  while IFS= read -r entry; do
    name=${entry%%:*}
    path=${entry#*:}
    [[ -d /sys/fs/cgroup/$name ]] || continue
    [[ $mode == unified && $name != unified ]] && continue
    mkdir -p "/sys/fs/cgroup/$name$path/$SYSTEMD_GROUP" || return 1
    if [[ $name == cpuset ]]; then
      cat "/sys/fs/cgroup/$name$path/cpuset.cpus" >"/sys/fs/cgroup/$name$path/$SYSTEMD_GROUP/cpuset.cpus"
      cat "/sys/fs/cgroup/$name$path/cpuset.mems" >"/sys/fs/cgroup/$name$path/$SYSTEMD_GROUP/cpuset.mems"
    fi
    [[ $name == unified ]] && SYSTEMD_UNIFIED_ROOT=/sys/fs/cgroup/unified${path%/}/$SYSTEMD_GROUP
    hierarchies+=("$name$path/$SYSTEMD_GROUP")
    echo "$name$path/$SYSTEMD_GROUP" >>"$SYSTEMD_DIR/groups"
  done < <(systemd_host_groups)

  # The launcher joins those groups, then unshares; inside, PID 1 mounts the
  # hierarchies afresh (rooted at its cgroup namespace) and execs systemd.
  cat >"$SYSTEMD_DIR/init.sh" <<'EOF'
set -e
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
umount -R /sys/fs/cgroup
if [[ $2 == unified ]]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
else
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  for name in cpu cpuacct cpuset memory devices freezer blkio pids net_cls net_prio perf_event hugetlb rdma misc; do
    if grep -qw "$name" /proc/cgroups; then
      mkdir -p "/sys/fs/cgroup/$name"
      mount -t cgroup -o "$name" cgroup "/sys/fs/cgroup/$name" 2>/dev/null || rmdir "/sys/fs/cgroup/$name"
    fi
  done
  mkdir /sys/fs/cgroup/systemd
  mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
  mkdir /sys/fs/cgroup/unified
  mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
fi
exec env -i container=gantry-test SYSTEMD_UNIT_PATH="$1:/etc/systemd/system" \
  /lib/systemd/systemd --system --unit=gantry-test.target --log-target=console --show-status=no
EOF
  local group
  (
    for group in "${hierarchies[@]}"; do echo "$BASHPID" >"/sys/fs/cgroup/$group/cgroup.procs"; done
    exec setsid unshare --pid --fork --mount --cgroup --uts --mount-proc bash "$SYSTEMD_DIR/init.sh" "$SYSTEMD_UNITS" "$mode"
  ) >"$SYSTEMD_DIR/console.log" 2>&1 </dev/null &
  local unshare_pid=$!
  for _ in $(seq 1 100); do
    SYSTEMD_PID=$(pgrep -P "$unshare_pid" -x systemd)
    if [[ -n $SYSTEMD_PID ]] && [[ $(in_systemd systemctl is-system-running 2>/dev/null) == running ]]; then
      # The namespace's v2 root must hold no process to hand controllers
      # down: the launcher (outside the namespace's PID space) leaves it.
      if [[ $mode == unified ]]; then
        mkdir -p "$SYSTEMD_UNIFIED_ROOT-launcher"
        echo "${SYSTEMD_UNIFIED_ROOT#/sys/fs/cgroup/}-launcher" >>"$SYSTEMD_DIR/groups"
        echo "$unshare_pid" >"$SYSTEMD_UNIFIED_ROOT-launcher/cgroup.procs" || return 1
      fi
      return 0
    fi
    sleep 0.1
  done
  echo "# systemd did not boot:"
  sed 's/^/#   /' "$SYSTEMD_DIR/console.log" | tail -20
  return 1
}

# systemd_delegate_controller NAME: what systemd does for cpu and memory on a
# v2 host for a Delegate=yes unit, done by hand for a controller it does not
# manage: enabled from the namespace's root down to system.slice.
systemd_delegate_controller() {
  # system.slice's cgroup exists once a unit has run in it.
  in_systemd systemd-run --quiet /bin/true || return 1
  for _ in $(seq 1 50); do
    [[ -d $SYSTEMD_UNIFIED_ROOT/system.slice ]] && break
    sleep 0.1
  done
  echo "+$1" >"$SYSTEMD_UNIFIED_ROOT/cgroup.subtree_control" &&
    echo "+$1" >"$SYSTEMD_UNIFIED_ROOT/system.slice/cgroup.subtree_control"
}

# Ends the namespace (every process in it dies with its PID 1) and removes its cgroups.
stop_systemd() {
  if [[ -n $SYSTEMD_PID ]]; then
    kill -KILL "$SYSTEMD_PID" 2>/dev/null
    for _ in $(seq 1 50); do [[ -e /proc/$SYSTEMD_PID ]] || break; sleep 0.1; done
    SYSTEMD_PID=""
  fi
  local group
  if [[ -f $SYSTEMD_DIR/groups ]]; then
    while read -r group; do
      for _ in 1 2 3 4 5; do
        find "/sys/fs/cgroup/$group" -depth -type d -exec rmdir {} \; 2>/dev/null
        [[ -d /sys/fs/cgroup/$group ]] || break
        sleep 0.2
      done
    done <"$SYSTEMD_DIR/groups"
    rm -f "$SYSTEMD_DIR/groups"
  fi
}
