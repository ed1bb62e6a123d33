// Server-side defaults of the workload kinds (ConfigMap, Secret, ReplicaSet,
// Deployment, Job), as Kubernetes sets them.
#pragma once

#include <google/protobuf/message.h>

#include "api/kinds.h"

namespace gantry::api {

// Defaults `object` when `kind` is a workload kind; anything else is left alone.
void ApplyWorkloadDefaults(const KindInfo& kind, google::protobuf::Message* object);

}  // namespace gantry::api
