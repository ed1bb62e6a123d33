// The garbage collector, as Kubernetes' acts on ownerReferences:
// - a dependent none of whose owners exists any more (same uid) is deleted
//   (Background cascading; pods gracefully);
// - an owner deleted with propagationPolicy Orphan (finalizer "orphan")
//   first loses its reference from every dependent, then goes;
// - an owner deleted with Foreground (finalizer "foregroundDeletion")
//   first has its dependents deleted (Foreground in turn) and goes once
//   none is left;
// - any object whose deletion waits on no finalizer any more is removed.
// It follows every namespaced kind that can own or be owned (not Events
// or Leases), keeping an index from owner uid to dependents to learn which
// dependents an owner's deletion concerns; an Orphan or Foreground deletion
// reads the dependents from the store, so none the watches have yet to
// show is missed.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "controllers/reconciling_controller.h"

namespace gantry::controllers {

class GarbageCollector : public ReconcilingController {
 public:
  explicit GarbageCollector(store::Store& store, store::EventRecorder* events = nullptr);
  ~GarbageCollector() override;

  // `key` is "<resource>.<group>|namespace/name" (KeyFor).
  absl::StatusOr<absl::Duration> Reconcile(const std::string& key, absl::Time now) override;

  static std::string KeyFor(const api::KindInfo& kind, const api::ObjectMeta& meta);

 protected:
  absl::Status Subscribe(WatchFeed& feed) override;

 private:
  void Observe(const api::KindInfo& kind, const store::WatchEvent& event);
  // Brings an owner's Orphan or Foreground deletion forward; true once it went.
  absl::StatusOr<bool> FinishDeletion(const api::KindInfo& kind, const google::protobuf::Message& object,
                                      absl::Time now);
  // Every object naming `owner` in its ownerReferences, from the store.
  absl::StatusOr<std::vector<std::pair<const api::KindInfo*, store::ObjectPtr>>> DependentsOf(
      const api::ObjectMeta& owner) const;
  // Deletes the dependent if none of its owners exists any more.
  absl::Status CollectIfOrphaned(const api::KindInfo& kind, const google::protobuf::Message& object, absl::Time now);
  absl::Status DeleteDependent(const api::KindInfo& kind, const google::protobuf::Message& object,
                               const std::string& finalizer, absl::Time now);

  std::mutex mu_;
  // owner uid -> keys of the objects that name it in ownerReferences.
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> dependents_;
  // object key -> the owner uids it names, to update the index on change.
  absl::flat_hash_map<std::string, std::vector<std::string>> owners_of_;
};

}  // namespace gantry::controllers
