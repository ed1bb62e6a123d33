// cgroups behind one interface: the v2 driver where the unified hierarchy
// has the cpu and memory controllers, else the v1 driver over the cpu,
// cpuacct, memory and cpuset hierarchies. Groups are named by their path
// below gantry's own group ("shared/pod<uid>/<container>"); the QoS policy
// (agent/qos/) decides what each gets, the driver writes the files.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/runtime/pod_scope.h"

namespace gantry::agent {

struct CgroupSettings {
  int64_t cpu_shares = 1024;                  // v1 cpu.shares; v2 cpu.weight converted from it
  std::optional<int64_t> cpu_quota_milli;     // CFS quota; none: unlimited
  std::optional<int64_t> memory_limit_bytes;  // none: unlimited
  std::string cpuset;                         // "0-3"; empty: the parent's
  bool cpu_idle = false;                      // cpu.idle=1 where the kernel has it
};

struct CgroupUsage {
  uint64_t cpu_usage_ns = 0;  // the group and everything below it
  int64_t memory_bytes = 0;
  int64_t oom_kills = 0;
};

class CgroupDriver {
 public:
  virtual ~CgroupDriver() = default;
  virtual const char* name() const = 0;  // "v1" or "v2"
  // Creates `group` (and the levels above it) or updates it, writing every setting.
  virtual absl::Status Ensure(const std::string& group, const CgroupSettings& settings) = 0;
  virtual absl::Status SetCpuQuota(const std::string& group, std::optional<int64_t> quota_milli) = 0;
  virtual absl::Status SetMemoryLimit(const std::string& group, std::optional<int64_t> limit_bytes) = 0;
  // Sets `cpus` on `group` and every group below it. v1 requires a child's
  // cpus to lie within its parent's, so the tree first grows to the union of
  // old and new from the top, then shrinks to `cpus` from the leaves.
  virtual absl::Status SetCpusetTree(const std::string& group, const std::string& cpus) = 0;
  // The cgroup.procs files a process writes its pid to, to join `group`.
  virtual std::vector<std::string> ProcsFiles(const std::string& group) const = 0;
  // NotFound when the group does not exist.
  virtual absl::StatusOr<CgroupUsage> Usage(const std::string& group) const = 0;
  // The processes in `group` and below it.
  virtual std::vector<pid_t> Processes(const std::string& group) const = 0;
  // Removes `group` and the groups below it; FailedPrecondition while processes remain.
  virtual absl::Status Remove(const std::string& group) = 0;
};

// cgroup v2 cpu.weight from shares, as the runc/systemd conversion does.
int64_t CpuWeight(int64_t shares);
// The CFS quota in microseconds per 100 ms period (at least 1 ms).
int64_t CfsQuotaUs(int64_t quota_milli);
inline constexpr int64_t kCfsPeriodUs = 100000;

// `root`: where the hierarchies are mounted (/sys/fs/cgroup, or a fake tree
// in tests). v1: gantry's own group below each of the cpu, cpuacct, memory
// and cpuset hierarchies; v2: below the unified hierarchy.
struct CgroupV1Parents {
  std::string cpu, cpuacct, memory, cpuset;
};
std::unique_ptr<CgroupDriver> NewCgroupV1(std::string root, CgroupV1Parents parents);
std::unique_ptr<CgroupDriver> NewCgroupV2(std::string root, std::string parent);

// What this machine's cgroups are, read without changing anything (gantry
// check-config reads it too).
// The process's group in each hierarchy from a file in /proc/self/cgroup's
// format: controller name, or "unified" for v2, to path ("" for the root).
absl::flat_hash_map<std::string, std::string> OwnCgroups(const std::string& self_cgroup);
struct UnifiedHierarchy {
  std::string path;                      // root or root/unified
  std::vector<std::string> controllers;  // from its cgroup.controllers
  bool Has(const std::string& controller) const;
};
// The v2 hierarchy under `root` whose controllers include cpu and memory.
std::optional<UnifiedHierarchy> FindUnifiedHierarchy(const std::string& root);

// v2 when `root`/cgroup.controllers (or `root`/unified/...) lists cpu and
// memory, else v1. The parent group is `name` below the agent's own cgroup
// in each hierarchy (read from `self_cgroup`, /proc/self/cgroup's format).
// On v2 a group may not both hold processes and hand controllers to its
// children: an agent in a systemd service puts its pods in the delegated
// gantry-pods.scope beside the service (pod_scope.h says why), started with
// `start_scope`; in another cgroup (a container's) it first moves that
// group's processes into its leaf <own>/init and puts pods below it; at the
// root, pods go to /<name>.
absl::StatusOr<std::unique_ptr<CgroupDriver>> DetectCgroupDriver(const std::string& root, const std::string& name,
                                                                 const std::string& self_cgroup = "/proc/self/cgroup",
                                                                 const ScopeStarter& start_scope = StartScopeWithSystemdRun);

}  // namespace gantry::agent
