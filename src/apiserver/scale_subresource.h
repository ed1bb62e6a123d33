// The scale subresource of Deployments and ReplicaSets (autoscaling/v1
// Scale), which `kubectl scale` and autoscalers read and write: spec.replicas
// of the object, its status.replicas, and its selector as a string.
#pragma once

#include <absl/status/statusor.h>
#include <google/protobuf/message.h>
#include <nlohmann/json.hpp>

#include <memory>

#include "api/kinds.h"

namespace gantry::apiserver {

bool HasScaleSubresource(const api::KindInfo& kind);

nlohmann::json ScaleOf(const google::protobuf::Message& object);

// A copy of `object` with spec.replicas from the Scale `scale` (and its
// metadata.resourceVersion, when set, as the write's precondition).
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Rescaled(const google::protobuf::Message& object,
                                                                    const nlohmann::json& scale);

}  // namespace gantry::apiserver
