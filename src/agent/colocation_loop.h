// The node's colocation loop: every second it measures the classes' and
// pods' cgroup usage and the machine's, moves the reclaimed pods' CFS quota
// with the online pods' use, and asks the eviction policy whether a
// reclaimed pod must go; every reclaim interval it computes what the node can
// lend (agent/qos/reclaimable.h) and, when the publish gate says so, hands the
// figure to the next heartbeat. Decisions come from agent/qos/; this loop
// measures and applies them through the cgroup driver and the runtime.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/time/time.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "agent.pb.h"
#include "agent/machine.h"
#include "agent/qos/eviction.h"
#include "agent/qos/qos_options.h"
#include "agent/qos/qos_policy.h"
#include "agent/qos/reclaimable.h"
#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/colocated_pods.h"
#include "agent/runtime/cpu_meter.h"

namespace gantry::agent {

class ColocationLoop {
 public:
  // `cgroups`, `policy` and `pods` must outlive the loop.
  ColocationLoop(qos::QosOptions options, CgroupDriver& cgroups, qos::QosPolicy& policy, ColocatedPods& pods);
  ~ColocationLoop();

  void Start();
  void Stop();
  // One round of measuring and applying: the loop's thread runs it every
  // second; tests call it with times of their own.
  void Tick(absl::Time now);

  // The reclaimed figure to send with the next heartbeat, when one is due.
  std::optional<api::ReclaimedResources> TakePublication();
  // Waits up to `timeout` for a figure to publish, so the heartbeat carries it
  // at once instead of at its next beat; false when stopped.
  bool WaitForPublication(std::stop_token stop, absl::Duration timeout);

 private:
  void Run(std::stop_token stop);
  // Millicores used by `group` since its previous reading; nullopt when unreadable.
  std::optional<int64_t> CpuSince(const std::string& group, absl::Time now, int64_t* memory_bytes = nullptr);
  void ApplyQuota(int64_t quota, const std::vector<qos::AdmittedPod>& pods);

  const qos::QosOptions options_;
  CgroupDriver& cgroups_;
  qos::QosPolicy& policy_;
  ColocatedPods& pods_;
  qos::EvictionPolicy evictions_;
  qos::PublishGate gate_;
  MachineUsage machine_;

  // The loop thread's own.
  CpuMeter cpu_;  // by cgroup
  absl::flat_hash_map<std::string, qos::PeakWindow> peaks_;  // online pod uid -> its use
  absl::Time last_good_sample_ = absl::Now();
  absl::Time next_reclaim_ = absl::InfinitePast();
  int64_t applied_quota_ = 0;  // 0: none yet
  int64_t reclaimable_millicpu_ = 0;

  std::mutex mu_;
  std::condition_variable_any published_;
  std::optional<api::ReclaimedResources> publication_;  // guarded by mu_
  std::jthread thread_;
};

}  // namespace gantry::agent
