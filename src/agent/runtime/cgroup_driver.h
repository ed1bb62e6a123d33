// Per-pod cgroups behind one interface: the v2 driver where the unified
// hierarchy has the cpu and memory controllers, else the v1 driver over the
// cpu, cpuacct, memory and cpuset hierarchies. A pod's group gets cpu
// weight/shares from its requests, a cpu quota and a memory limit from its
// limits; processes join before they exec.
#pragma once

#include <absl/status/statusor.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core.pb.h"

namespace gantry::agent {

struct CgroupLimits {
  int64_t cpu_request_milli = 0;              // -> cpu.shares / cpu.weight
  std::optional<int64_t> cpu_limit_milli;     // -> CFS quota
  std::optional<int64_t> memory_limit_bytes;  // -> memory limit
};

// The pod's containers' cpu requests, and its cpu and memory limits when
// every container sets them (one container without a limit leaves the pod
// unlimited in that resource, as the kubelet does).
CgroupLimits CgroupLimitsOf(const api::PodSpec& spec);

struct CgroupUsage {
  uint64_t cpu_usage_ns = 0;
  int64_t memory_bytes = 0;
  int64_t oom_kills = 0;
};

class CgroupDriver {
 public:
  virtual ~CgroupDriver() = default;
  virtual const char* name() const = 0;  // "v1" or "v2"
  // Creates (or updates) the group `pod` under the driver's parent.
  virtual absl::Status Create(const std::string& pod, const CgroupLimits& limits) = 0;
  // The cgroup.procs files a process writes its pid to, to join the group.
  virtual std::vector<std::string> ProcsFiles(const std::string& pod) const = 0;
  virtual absl::StatusOr<CgroupUsage> Usage(const std::string& pod) const = 0;
  virtual std::vector<pid_t> Processes(const std::string& pod) const = 0;
  // Removes the group; FailedPrecondition while processes remain.
  virtual absl::Status Remove(const std::string& pod) = 0;
};

// cpu.shares as Kubernetes computes them from a cpu request (min 2).
int64_t CpuShares(int64_t request_milli);
// cgroup v2 cpu.weight from shares, as the runc/systemd conversion does.
int64_t CpuWeight(int64_t shares);

// `root`: where the hierarchies are mounted (/sys/fs/cgroup, or a fake tree
// in tests). v1: gantry's own group below each of the cpu, cpuacct, memory
// and cpuset hierarchies; v2: below the unified hierarchy.
struct CgroupV1Parents {
  std::string cpu, cpuacct, memory, cpuset;
};
std::unique_ptr<CgroupDriver> NewCgroupV1(std::string root, CgroupV1Parents parents);
std::unique_ptr<CgroupDriver> NewCgroupV2(std::string root, std::string parent);

// v2 when `root`/cgroup.controllers (or `root`/unified/...) lists cpu and
// memory, else v1. The parent group is created under the agent's own cgroup
// in each hierarchy (from /proc/self/cgroup) plus `name`.
absl::StatusOr<std::unique_ptr<CgroupDriver>> DetectCgroupDriver(const std::string& root, const std::string& name);

}  // namespace gantry::agent
