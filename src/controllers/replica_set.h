// The ReplicaSet controller: keeps spec.replicas active pods made from the
// template, each controlled by the ReplicaSet; creates the missing ones in
// slow-start batches, deletes the surplus (the least established first:
// unbound, then pending, then not ready, then the youngest), and reports
// replicas, ready and available counts in status.
#pragma once

#include "controllers/reconciling_controller.h"

namespace gantry::controllers {

class ReplicaSetController : public ReconcilingController {
 public:
  explicit ReplicaSetController(store::Store& store, store::EventRecorder* events = nullptr);
  ~ReplicaSetController() override;

  absl::StatusOr<absl::Duration> Reconcile(const std::string& key, absl::Time now) override;

 protected:
  absl::Status Subscribe(WatchFeed& feed) override;
};

}  // namespace gantry::controllers
