// The node's QoS decisions for each pod, whichever runtime applies them:
// its class, cpu weight, quota, memory limit, cpuset and oom_score_adj.
//   dedicated: whole CPUs of its own (integer cpu requests equal to limits),
//              taken out of the shared pool.
//   shared, system: weight from requests, quota and memory limit from
//              limits, on the shared pool.
//   reclaimed: weight from the reclaimed-millicpu request, quota from its
//              limit, memory limit from the reclaimed-memory limit,
//              oom_score_adj 1000, below a parent of the lowest weight.
// The policy also remembers the pods it admitted, for the colocation loop.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "agent/qos/cpu_pools.h"
#include "agent/qos/pod_resources.h"
#include "api/qos.h"
#include "core.pb.h"

namespace gantry::agent::qos {

struct PodQos {
  api::QosClass qos = api::QosClass::kShared;
  int64_t cpu_shares = 2;  // v1 shares; v2 weight is converted from it
  std::optional<int64_t> cpu_quota_milli;
  std::optional<int64_t> memory_limit_bytes;
  std::vector<int> cpus;  // dedicated pods' own; empty: the class parent's pool
  int oom_score_adj = 0;
};

// What the colocation loop needs of an admitted pod.
struct AdmittedPod {
  std::string uid;
  std::string name;  // namespace/name
  int32_t priority = 0;
  PodQos qos;
  PodResources resources;
  bool evicting = false;  // told to go; its processes may not be gone yet
};

// The settings of a class's parent group on a node of `cpus` CPUs. The
// reclaimed parent's quota and memory limit move with the online pods' use
// (set by the colocation loop), so they start unlimited.
struct ClassParent {
  int64_t cpu_shares = 2;
  bool cpu_idle = false;
};
ClassParent ClassParentOf(api::QosClass qos, int cpus);

class QosPolicy {
 public:
  explicit QosPolicy(CpuPools& pools) : pools_(pools) {}

  // The pod's decisions; `held_cpus` are a dedicated pod's CPUs from before an
  // agent restart. FailedPrecondition (a bad shape for its class) or
  // ResourceExhausted (no whole CPUs free) with the reason for the pod's status.
  absl::StatusOr<PodQos> Admit(const api::Pod& pod, const std::vector<int>& held_cpus = {});
  // Forgets the pod and gives its CPUs back; true when it held dedicated CPUs.
  bool Release(const std::string& uid);
  void MarkEvicting(const std::string& uid);

  std::vector<AdmittedPod> Pods() const;
  // The reclaimed parent's current quota (0: unlimited). A reclaimed pod's own
  // quota never exceeds it: cgroup v1 refuses a child quota above its parent's.
  void SetReclaimedQuota(int64_t milli) { reclaimed_quota_.store(milli); }
  int64_t ReclaimedQuota() const { return reclaimed_quota_.load(); }
  CpuPools& pools() { return pools_; }

 private:
  CpuPools& pools_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, AdmittedPod> pods_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> reclaimed_quota_{0};
};

// cpu.shares as Kubernetes computes them from a cpu request (min 2).
int64_t CpuShares(int64_t request_milli);

}  // namespace gantry::agent::qos
