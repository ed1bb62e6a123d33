// The shape of simulated (hollow) nodes, from a YAML template:
//
//   namePrefix: hollow                 # nodes hollow-0, hollow-1, ...
//   zones: [zone-a, zone-b, zone-c]    # topology.kubernetes.io/zone, round-robin
//   labels: {node.kubernetes.io/instance-type: hollow}
//   capacity: {cpu: "32", memory: 128Gi, pods: "110"}
//   taints: [{key: dedicated, value: batch, effect: NoSchedule}]
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "core.pb.h"

namespace gantry::agent {

struct NodeTemplate {
  std::string name_prefix = "hollow";
  std::vector<std::string> zones;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> capacity;
  std::vector<api::Taint> taints;

  // Errors name the file and the key.
  static absl::StatusOr<NodeTemplate> Load(const std::string& path);
  api::Node Instantiate(int index) const;
};

}  // namespace gantry::agent
