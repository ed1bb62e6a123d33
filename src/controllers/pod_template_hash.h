// The hash that names a pod template's revision: a Deployment's
// ReplicaSets (pod-template-hash) and a DaemonSet's pods
// (controller-revision-hash) carry it, so a controller tells which pods run
// the current template.
#pragma once

#include <cstdint>
#include <string>

#include "core.pb.h"

namespace gantry::controllers {

// FNV-1a over the template's deterministic encoding and the collision
// count, written in Kubernetes' safe alphabet (no vowels, so no words).
std::string PodTemplateHash(const api::PodTemplateSpec& template_, int32_t collision_count);

}  // namespace gantry::controllers
