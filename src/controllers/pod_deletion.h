// Deleting a pod as a user's DELETE does: a pod bound to a node is marked
// (graceful deletion; it stays Terminating until its node confirms), any
// other pod goes at once. Controllers delete pods through these.
#pragma once

#include <absl/status/status.h>
#include <absl/time/time.h>

#include "core.pb.h"
#include "store/store.h"

namespace gantry::controllers {

// The write that deletes `pod`, guarded by its uid (and, for a marking, its
// resourceVersion) so a pod recreated or changed meanwhile is not touched.
store::WriteOp PodDeletionOp(const api::Pod& pod, absl::Time now);

// Deletes `pod`; a pod already gone or already terminating is not an error.
absl::Status DeletePod(store::Store& store, const api::Pod& pod, absl::Time now);

}  // namespace gantry::controllers
