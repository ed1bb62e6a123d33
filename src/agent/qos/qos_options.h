// The node's colocation settings: the keys of `gantry agent` (and of the
// server's embedded agent) that tune reclaimed resources, the reclaimed
// quota and eviction. AddQosFlags registers them on a command.
#pragma once

#include <CLI/CLI.hpp>
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>

#include "agent/qos/eviction.h"
#include "agent/qos/reclaimable.h"
#include "agent/qos/reclaimed_quota.h"

namespace gantry::agent::qos {

struct QosOptions {
  bool reclaim = true;  // compute, publish and enforce reclaimed resources
  ReclaimThresholds thresholds;
  ReclaimedQuotaSettings quota;
  EvictionSettings eviction;
  std::string memory_eviction_threshold = "70%";  // percent of capacity or a quantity of bytes
  absl::Duration reclaim_interval = absl::Seconds(10);
  absl::Duration peak_window = absl::Seconds(60);
  absl::Duration publish_every = absl::Seconds(60);
  double publish_change = 0.10;
  absl::Duration stale_after = absl::Minutes(2);
};

// `--memory-eviction-threshold`: "70%" or "20Gi" against the node's memory;
// InvalidArgument naming the flag.
absl::StatusOr<int64_t> ResolveMemoryThreshold(const std::string& text, int64_t capacity_bytes);

// Seconds-valued flags land in `seconds` and are copied into `options` by
// FinishQosFlags after parsing.
struct QosFlagValues {
  double reclaim_interval = 10, peak_window = 60, publish_every = 60, stale_after = 120, sustained = 60;
};
void AddQosFlags(CLI::App& command, QosOptions& options, QosFlagValues& seconds);
absl::Status FinishQosFlags(const QosFlagValues& seconds, QosOptions& options);

}  // namespace gantry::agent::qos
