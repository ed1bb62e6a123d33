// A container's environment as kubelet builds it: envFrom (each ConfigMap
// or Secret in order, with its prefix), then env (a later name wins), each
// value with $(VAR) references to earlier variables expanded; values from
// the downward API, ConfigMap keys and Secret keys. A required object or key
// that is missing is an error naming it, which leaves the container waiting
// in CreateContainerConfigError.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "agent/pod_config.h"
#include "core.pb.h"

namespace gantry::agent {

struct ContainerEnv {
  std::vector<std::pair<std::string, std::string>> vars;  // in order, unique names
  // envFrom keys that are not valid variable names, for kubelet's
  // InvalidEnvironmentVariableNames Event.
  std::vector<std::string> skipped_keys;
};

absl::StatusOr<ContainerEnv> BuildContainerEnv(const api::Pod& pod, const api::Container& container,
                                               const api::PodConfig& config, const NodeFacts& node);

// Kubernetes' $(VAR) expansion: "$(NAME)" becomes NAME's value when it is
// defined and stays as written when not; "$$" is a literal "$".
std::string ExpandVars(const std::string& input, const absl::flat_hash_map<std::string, std::string>& vars);

}  // namespace gantry::agent
