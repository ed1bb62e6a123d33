// Scheduler profiles from YAML (referenced from the server config):
//
//   filters: [NodeUnschedulable, NodeResourcesFit, NodeAffinity, TaintToleration, NodePorts]
//   scores:
//     - {name: MostAllocated, weight: 2}
//     - {name: NodeAffinity, weight: 1}
//   percentageOfNodesToScore: 0   # 0: adaptive
//
// A key left out keeps the default profile's choice.
#pragma once

#include <absl/status/statusor.h>

#include <string>

#include "scheduler/placement.h"

namespace gantry::scheduler {

// Errors name the file and the offending key or plugin.
absl::StatusOr<Profile> LoadProfile(const std::string& path);
absl::StatusOr<Profile> ParseProfile(const std::string& yaml, const std::string& source);

}  // namespace gantry::scheduler
