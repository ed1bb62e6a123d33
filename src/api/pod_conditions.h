// Setting a pod condition the way Kubernetes does: one condition per type,
// lastTransitionTime moving only when the status changes.
#pragma once

#include <string>

#include "core.pb.h"

namespace gantry::api {

// The condition of `type`, or nullptr.
const PodCondition* FindPodCondition(const Pod& pod, const std::string& type);

void SetPodCondition(Pod& pod, const std::string& type, const std::string& status, const std::string& reason,
                     const std::string& message);

}  // namespace gantry::api
