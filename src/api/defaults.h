// Server-side defaulting, applied on create and update before validation.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "api/kinds.h"
#include "core.pb.h"

namespace gantry::api {

inline constexpr absl::string_view kDefaultSchedulerName = "gantry";

void ApplyDefaults(const KindInfo& kind, google::protobuf::Message* object);

// A pod's spec defaults, also applied to the pod templates of workloads.
void DefaultPodSpec(PodSpec* spec);

// Guaranteed, Burstable or BestEffort, as Kubernetes computes it.
std::string QosClassOf(const PodSpec& spec);

}  // namespace gantry::api
