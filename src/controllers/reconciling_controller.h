// The shape every workload controller shares, as Kubernetes' controllers
// have it: watches map changes to the keys of objects to look at, one worker
// reconciles each key (compares what is with what is wanted, and acts), and
// a key whose reconcile failed is retried with backoff.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>
#include <thread>

#include "controllers/watch_feed.h"
#include "controllers/work_queue.h"
#include "store/event_recorder.h"
#include "store/store.h"

namespace gantry::controllers {

class ReconcilingController {
 public:
  // `events` (may be null) records what the controller does, as Kubernetes'
  // controllers record SuccessfulCreate, ScalingReplicaSet and the like.
  ReconcilingController(store::Store& store, std::string name, store::EventRecorder* events);
  virtual ~ReconcilingController();

  // Follows its kinds on `feed`, shared with other controllers (the caller
  // starts it once every controller has subscribed, and stops it before
  // destroying them), and starts the worker.
  absl::Status Start(WatchFeed& feed);
  // Stops the worker; idempotent. Subclasses' destructors call it.
  void Stop();

  // Brings the object of `key` ("namespace/name") towards what it asks for,
  // on the calling thread (the worker's, or a test's). A positive duration
  // asks to be looked at again after it (a deadline, a TTL) even if nothing
  // changes.
  virtual absl::StatusOr<absl::Duration> Reconcile(const std::string& key, absl::Time now) = 0;

 protected:
  // Subscribes to the kinds the controller follows, each event mapped to keys.
  virtual absl::Status Subscribe(WatchFeed& feed) = 0;

  static std::string KeyOf(const api::ObjectMeta& meta);
  // Enqueues the owner of `meta` if its controller reference is of `kind`.
  void EnqueueController(const api::ObjectMeta& meta, const api::KindInfo& kind);
  // An Event about `object`, from this controller.
  void Record(const api::KindInfo& kind, const google::protobuf::Message& object, const std::string& type,
              const std::string& reason, const std::string& message);

  store::Store& store_;
  WorkQueue queue_;
  const std::string name_;
  store::EventRecorder* const events_;

 private:
  void Work(std::stop_token stop);

  absl::flat_hash_map<std::string, int> failures_;
  std::jthread worker_;
};

}  // namespace gantry::controllers
