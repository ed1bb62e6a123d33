// What a node may know of a pod beyond the pod object, shared by the
// runtime (env) and the volumes: the ConfigMaps and Secrets it names, as the
// server lets the node read them, and the facts the downward API exposes.
#pragma once

#include <absl/status/statusor.h>
#include <google/protobuf/map.h>

#include <string>

#include "agent.pb.h"
#include "api/downward_api.h"
#include "core.pb.h"

namespace gantry::agent {

// The ConfigMaps and Secrets a pod names, read from the server when its
// containers start and while its volumes are kept up to date.
class PodConfigSource {
 public:
  virtual ~PodConfigSource() = default;
  virtual absl::StatusOr<api::PodConfig> Fetch(const api::Pod& pod) = 0;
};

// What the downward API exposes beyond the pod object: the pod's addresses
// and its node's allocatable resources (for limits that are not set).
struct NodeFacts {
  api::PodAddresses addresses;
  google::protobuf::Map<std::string, std::string> allocatable;
};

const api::ConfigMap* FindConfigMap(const api::PodConfig& config, const std::string& name);
const api::Secret* FindSecret(const api::PodConfig& config, const std::string& name);
// A Secret's value, decoded from base64; NotFound names the missing key.
absl::StatusOr<std::string> SecretValue(const api::Secret& secret, const std::string& key);

}  // namespace gantry::agent
