// The Deployment controller: runs the Deployment's pods through
// ReplicaSets, one per pod template (named <deployment>-<template hash>, its
// pods labelled pod-template-hash). A template change makes a new
// ReplicaSet with the next revision (deployment.kubernetes.io/revision) and
// rolls onto it: Recreate scales the old ones to zero first; RollingUpdate
// scales the new one up within maxSurge and the old ones down within
// maxUnavailable, as Kubernetes computes them from the ReplicaSets' replicas
// and their available pods. Returning to an old template (rollout undo)
// reuses its ReplicaSet. A paused Deployment only scales. Old ReplicaSets
// beyond revisionHistoryLimit are deleted; status and the Available and
// Progressing conditions are what `kubectl rollout status` reads.
#pragma once

#include "controllers/reconciling_controller.h"

namespace gantry::controllers {

class DeploymentController : public ReconcilingController {
 public:
  explicit DeploymentController(store::Store& store, store::EventRecorder* events = nullptr);
  ~DeploymentController() override;

  absl::StatusOr<absl::Duration> Reconcile(const std::string& key, absl::Time now) override;

 protected:
  absl::Status Subscribe(WatchFeed& feed) override;
};

}  // namespace gantry::controllers
