// Graceful deletion of a pod bound to a node, as Kubernetes does it: the
// pod is marked (deletionTimestamp = now + grace, deletionGracePeriodSeconds)
// and stays Terminating until its node confirms the containers are gone.
#pragma once

#include <absl/time/time.h>

#include <cstdint>

#include "core.pb.h"

namespace gantry::api {

// The grace period a deletion uses when the request names none.
int64_t DefaultGracePeriod(const Pod& pod);

void MarkForDeletion(Pod* pod, int64_t grace_seconds, absl::Time now);

}  // namespace gantry::api
