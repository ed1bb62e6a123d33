// The ConfigMaps and Secrets a pod names (env valueFrom, envFrom, volumes,
// projected volumes): what its node needs to start it, and all the node may
// read of them.
#pragma once

#include <absl/container/btree_set.h>

#include <string>

#include "core.pb.h"

namespace gantry::api {

struct PodConfigRefs {
  absl::btree_set<std::string> config_maps;
  absl::btree_set<std::string> secrets;
  bool empty() const { return config_maps.empty() && secrets.empty(); }
};

PodConfigRefs ConfigRefsOf(const PodSpec& spec);

}  // namespace gantry::api
