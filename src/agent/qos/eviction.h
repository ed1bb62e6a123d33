// Which reclaimed pods to evict, and why. Only reclaimed pods are ever
// evicted: lowest priority first, then the largest user of the resource
// under pressure.
//   memory:     node memory use at or above the threshold evicts until the
//               use is `release_points` of capacity below it.
//   starvation: the reclaimed quota covers less than `starved` of the
//               reclaimed requests for `sustained` while the pods use at
//               least `busy` of it: evict until it covers `recovered`.
//   overcommit: reclaimed requests above `overcommit` × reclaimable for
//               `sustained`: evict until they are within it.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gantry::agent::qos {

struct EvictionSettings {
  int64_t memory_threshold_bytes = 0;  // resolved from percent or bytes; 0: off
  double release_points = 2;           // percent of capacity
  double starved = 0.6;
  double busy = 0.9;
  double recovered = 0.8;
  double overcommit = 1.5;
  absl::Duration sustained = absl::Seconds(60);
};

struct ReclaimedPod {
  std::string uid;
  std::string name;  // namespace/name, for messages
  int32_t priority = 0;
  int64_t memory_bytes = 0;
  int64_t cpu_use_millicpu = 0;
  int64_t cpu_request_millicpu = 0;
  bool evicting = false;  // already told to go; its memory counts as freed
};

struct NodePressure {
  int64_t memory_capacity_bytes = 0;
  int64_t memory_used_bytes = 0;
  int64_t reclaimed_quota_millicpu = 0;
  int64_t reclaimed_use_millicpu = 0;
  int64_t reclaimable_millicpu = 0;
};

struct Eviction {
  std::string uid;
  std::string reason;   // memory, cpu-starvation or overcommit (the metric's label)
  std::string message;  // the threshold crossed, for the pod's status and its Event
};

class EvictionPolicy {
 public:
  explicit EvictionPolicy(EvictionSettings settings) : settings_(settings) {}

  // Called every sampling period with the reclaimed pods on the node.
  std::vector<Eviction> Decide(const NodePressure& node, const std::vector<ReclaimedPod>& pods, absl::Time now);

 private:
  std::vector<Eviction> Memory(const NodePressure& node, std::vector<const ReclaimedPod*> order);
  std::vector<Eviction> Starvation(const NodePressure& node, std::vector<const ReclaimedPod*> order, absl::Time now);
  std::vector<Eviction> Overcommit(const NodePressure& node, std::vector<const ReclaimedPod*> order, absl::Time now);
  // Once `holds` has been true for the sustained time (tracked in `since`),
  // evicts the largest CPU users first until `relieved` says the requests
  // left are fine.
  std::vector<Eviction> Sustained(bool holds, absl::Time* since, absl::Time now, std::vector<const ReclaimedPod*> order,
                                  const char* reason, const std::function<std::string(absl::Duration)>& why,
                                  const std::function<bool(int64_t)>& relieved);
  static int64_t CpuRequests(const std::vector<const ReclaimedPod*>& pods);

  const EvictionSettings settings_;
  absl::Time starved_since_ = absl::InfiniteFuture();
  absl::Time overcommitted_since_ = absl::InfiniteFuture();
};

}  // namespace gantry::agent::qos
