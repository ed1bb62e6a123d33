// The downward API: a pod's own fields and its containers' resources, as
// environment variables see them (env[].valueFrom.fieldRef and
// resourceFieldRef), with Kubernetes' paths, units and rounding.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>
#include <google/protobuf/map.h>

#include <string>

#include "core.pb.h"

namespace gantry::api {

// Whether Kubernetes allows `path` in an env fieldRef.
bool IsEnvFieldPath(absl::string_view path);
// Whether `resource` may be named in a resourceFieldRef.
bool IsResourceFieldName(absl::string_view resource);

// Where a pod is reached: its node's address and its own (the node's for a
// pod on the host's network).
struct PodAddresses {
  std::string host_ip;
  std::string pod_ip;
};

// The value of `path` for `pod`.
absl::StatusOr<std::string> PodFieldValue(const Pod& pod, absl::string_view path, const PodAddresses& addresses);

// As PodFieldValue, plus what only a downward API volume file may hold:
// all labels or all annotations, one key="value" line each, sorted by key,
// the value quoted as Go's %q quotes it (as kubelet writes them).
absl::StatusOr<std::string> PodFieldFileValue(const Pod& pod, absl::string_view path, const PodAddresses& addresses);

// The container's request or limit named by `selector`, divided by its
// divisor and rounded up; a limit that is not set is the node's allocatable.
absl::StatusOr<std::string> ResourceFieldValue(const Container& container, const ResourceFieldSelector& selector,
                                               const google::protobuf::Map<std::string, std::string>& node_allocatable);

}  // namespace gantry::api
