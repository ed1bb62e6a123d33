// What a pod asks of its node, summed over its containers as the kubelet
// sums them: requests always, a limit only when every container sets one
// (one container without a limit leaves the pod unlimited in it). Reclaimed
// resources are read under any of their names (api/qos.h).
#pragma once

#include <cstdint>
#include <optional>

#include "core.pb.h"

namespace gantry::agent::qos {

struct PodResources {
  int64_t cpu_request_milli = 0;
  std::optional<int64_t> cpu_limit_milli;
  int64_t memory_request_bytes = 0;
  std::optional<int64_t> memory_limit_bytes;
  int64_t reclaimed_cpu_request_milli = 0;
  std::optional<int64_t> reclaimed_cpu_limit_milli;
  int64_t reclaimed_memory_request_bytes = 0;
  std::optional<int64_t> reclaimed_memory_limit_bytes;
};

PodResources ResourcesOf(const api::PodSpec& spec);
PodResources ResourcesOf(const api::Container& container);

}  // namespace gantry::agent::qos
