// Where pods' cgroups go on cgroup v2 when the agent runs as a systemd
// service. Not below the service's own cgroup: enabling cpu and memory for
// the pods' groups makes the service's cgroup an inner node, and systemd
// (before 254's DelegateSubgroup=) attaches the next main process of a
// restart to exactly that cgroup, which the kernel refuses (EBUSY, the unit
// fails with status=219/CGROUP) while pods still run there: with
// KillMode=process they do. So pods live in a delegated scope of their own,
// gantry-pods.scope in the service's slice, the "own scope for the
// payload" option of systemd's delegation guide. systemd keeps a scope while
// a process is in it; a holder process (sleep infinity in <scope>/holder)
// keeps it when no pod runs. gantry-killall.sh ends it.
#pragma once

#include <absl/status/statusor.h>

#include <functional>
#include <optional>
#include <string>

namespace gantry::agent {

inline constexpr char kPodScopeUnit[] = "gantry-pods.scope";

// Starts the transient scope `scope_unit` in `slice_unit` with Delegate=yes
// and a holder process in it.
using ScopeStarter = std::function<absl::Status(const std::string& slice_unit, const std::string& scope_unit)>;

// The pod scope of an agent in the service cgroup `own_unit`
// (/system.slice/gantry-agent.service -> system.slice and
// /system.slice/gantry-pods.scope); none when `own_unit` is not a systemd
// service in a slice.
struct PodScope {
  std::string slice_unit;
  std::string cgroup;
};
std::optional<PodScope> PodScopeFor(const std::string& own_unit);

// systemd-run --scope, when systemd is PID 1; FailedPrecondition otherwise.
absl::Status StartScopeWithSystemdRun(const std::string& slice_unit, const std::string& scope_unit);

// For an agent in the service cgroup `own_unit` of the v2 hierarchy at
// `unified_root`: PodScopeFor(own_unit), started if it is not there, with its
// holder moved into its leaf so the scope can hand controllers to pods.
// NotFound when `own_unit` is not a systemd service in a slice (the caller
// keeps its own layout).
absl::StatusOr<std::string> EnsurePodScope(const std::string& unified_root, const std::string& own_unit,
                                           const ScopeStarter& start = StartScopeWithSystemdRun);

}  // namespace gantry::agent
