// The resource metrics API (metrics.k8s.io/v1beta1, as metrics-server
// serves it) built from the usage agents report in their heartbeats:
// NodeMetrics per node, PodMetrics per pod (one entry for the whole pod's
// cgroup: gantry measures per pod, not per container).
#pragma once

#include <absl/strings/string_view.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "apiserver/agent_service.h"

namespace gantry::apiserver {

inline constexpr absl::string_view kResourceMetricsPrefix = "/apis/metrics.k8s.io/v1beta1/";

// The answer for a GET of `path`; nullopt when the path names nothing.
std::optional<nlohmann::json> ResourceMetrics(const AgentService& agents, absl::string_view path);

}  // namespace gantry::apiserver
