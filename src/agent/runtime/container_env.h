// A container's environment as kubelet builds it: envFrom (each ConfigMap
// or Secret in order, with its prefix), then env (a later name wins), each
// value with $(VAR) references to earlier variables expanded; values from
// the downward API, ConfigMap keys and Secret keys. A required object or key
// that is missing is an error naming it, which leaves the container waiting
// in CreateContainerConfigError.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <google/protobuf/map.h>

#include <string>
#include <vector>

#include "agent.pb.h"
#include "api/downward_api.h"
#include "core.pb.h"

namespace gantry::agent {

// What the downward API exposes beyond the pod object: the pod's addresses
// and its node's allocatable resources (for limits that are not set).
struct NodeFacts {
  api::PodAddresses addresses;
  google::protobuf::Map<std::string, std::string> allocatable;
};

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

// A ConfigMap's or Secret's keys and values, Secret values decoded from base64.
const api::ConfigMap* FindConfigMap(const api::PodConfig& config, const std::string& name);
const api::Secret* FindSecret(const api::PodConfig& config, const std::string& name);
absl::StatusOr<std::string> SecretValue(const api::Secret& secret, const std::string& key);

}  // namespace gantry::agent
