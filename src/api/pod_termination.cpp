#include "api/pod_termination.h"

#include "common/time_format.h"

namespace gantry::api {

int64_t DefaultGracePeriod(const Pod& pod) { return pod.spec().termination_grace_period_seconds(); }

void MarkForDeletion(Pod* pod, int64_t grace_seconds, absl::Time now) {
  pod->mutable_metadata()->set_deletion_timestamp(Rfc3339(now + absl::Seconds(grace_seconds)));
  pod->mutable_metadata()->set_deletion_grace_period_seconds(grace_seconds);
}

}  // namespace gantry::api
