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

// What the machine is using, for heartbeats: cpu busy since the previous
// sample (from /proc/stat) and memory not available (from /proc/meminfo).
class MachineUsage {
 public:
  struct Sample {
    int64_t cpu_millicores = 0;  // 0 on the first call
    int64_t memory_bytes = 0;
    int64_t memory_capacity_bytes = 0;  // MemTotal
  };
  Sample Next();

 private:
  uint64_t last_total_ = 0;
  uint64_t last_idle_ = 0;
};

}  // namespace gantry::agent
