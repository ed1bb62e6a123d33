// The Job controller: runs the Job's pods until `completions` of them
// succeed, at most `parallelism` at a time. NonIndexed Jobs count successes;
// Indexed Jobs give each pod an index (annotation
// batch.kubernetes.io/job-completion-index, env JOB_COMPLETION_INDEX,
// hostname <job>-<index>) and complete when every index has succeeded. Failed
// pods (and container restarts under OnFailure) count towards backoffLimit,
// unless podFailurePolicy ignores them or fails the Job at once; a failed
// pod is replaced after a backoff of 10 s doubling. activeDeadlineSeconds
// fails a Job that runs too long; suspend deletes its active pods. A
// finished Job is deleted ttlSecondsAfterFinished later (its pods go with
// it, through the garbage collector).
#pragma once

#include "controllers/reconciling_controller.h"

namespace gantry::controllers {

class JobController : public ReconcilingController {
 public:
  explicit JobController(store::Store& store, store::EventRecorder* events = nullptr);
  ~JobController() override;

  absl::StatusOr<absl::Duration> Reconcile(const std::string& key, absl::Time now) override;

 protected:
  absl::Status Subscribe(WatchFeed& feed) override;
};

}  // namespace gantry::controllers
