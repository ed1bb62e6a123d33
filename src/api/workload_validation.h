// Validation of the workload kinds (ConfigMap, Secret, ReplicaSet,
// Deployment, Job), with Kubernetes' field paths and messages.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>
#include <google/protobuf/message.h>

#include <cstdint>

#include <vector>

#include "api/errors.h"
#include "api/kinds.h"

namespace gantry::api {

// Appends a cause per offending field when `kind` is a workload kind; `old`
// is the stored object on update, nullptr on create.
void ValidateWorkload(const KindInfo& kind, const google::protobuf::Message& object,
                      const google::protobuf::Message* old, std::vector<FieldCause>* causes);

// A maxSurge or maxUnavailable against `replicas`: an absolute count, or a
// percentage rounded up (`round_up`) or down. Invalid text is an error.
absl::StatusOr<int32_t> ScaledIntOrPercent(absl::string_view value, int32_t replicas, bool round_up);

}  // namespace gantry::api
