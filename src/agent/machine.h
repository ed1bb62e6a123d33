// What this machine offers as a node: capacity (CPUs, memory, ephemeral
// storage of the data directory's filesystem, max pods, nvidia.com/gpu when
// nvidia-smi lists GPUs), the well-known labels and the system info.
#pragma once

#include <absl/status/statusor.h>

#include <map>
#include <string>
#include <vector>

#include "core.pb.h"

namespace gantry::agent {

struct NodeSettings {
  std::string name;  // empty: the host name
  std::map<std::string, std::string> labels;
  std::vector<api::Taint> taints;
  std::string data_dir;
  int max_pods = 110;
};

// "k=v,k2=v2"; InvalidArgument naming the bad item.
absl::StatusOr<std::map<std::string, std::string>> ParseLabels(const std::string& text);
// "k=v:Effect,k2:Effect" with Effect NoSchedule, PreferNoSchedule or NoExecute.
absl::StatusOr<std::vector<api::Taint>> ParseTaints(const std::string& text);

absl::StatusOr<api::Node> DescribeMachine(const NodeSettings& settings);

}  // namespace gantry::agent
