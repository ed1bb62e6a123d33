// Kubernetes resource URLs:
//   /api/v1/{resource}[/{name}[/{subresource}]]
//   /api/v1/namespaces/{namespace}/{resource}[/{name}[/{subresource}]]
//   /apis/{group}/{version}/... (the same two shapes)
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <string>

#include "api/kinds.h"

namespace gantry::apiserver {

struct ResourcePath {
  const api::KindInfo* kind = nullptr;
  std::string namespace_;    // empty for cluster-scoped kinds and all-namespace lists
  std::string name;          // empty for collections
  std::string subresource;   // status, binding, eviction, log
};

// NotFound (with a Kubernetes-style message) for paths that name no resource.
absl::StatusOr<ResourcePath> ParseResourcePath(absl::string_view path);

}  // namespace gantry::apiserver
