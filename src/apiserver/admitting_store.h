// The store as the controllers see it: what they write passes the API's
// write path, as a Kubernetes controller's writes pass kube-apiserver. A
// create gets the server's fields (name from generateName, uid, times),
// defaults, validation and admission (a pod's priority from its
// PriorityClass; no content in a terminating namespace); an update keeps the
// stored uid and creation time, moves generation when the spec changes, and
// is defaulted and validated against the stored object. Reads and watches
// go straight to the store.
#pragma once

#include "apiserver/admission.h"
#include "store/store.h"

namespace gantry::apiserver {

class AdmittingStore : public store::Store {
 public:
  explicit AdmittingStore(store::Store& store) : store_(store), admission_(store) {}

  absl::StatusOr<store::ObjectPtr> Get(const api::KindInfo& kind, absl::string_view namespace_,
                                       absl::string_view name) const override {
    return store_.Get(kind, namespace_, name);
  }
  absl::StatusOr<store::ListResult> List(const api::KindInfo& kind, const store::ListOptions& options) const override {
    return store_.List(kind, options);
  }
  std::vector<absl::StatusOr<store::ObjectPtr>> Commit(std::vector<store::WriteOp> ops) override;
  absl::StatusOr<std::shared_ptr<store::WatchStream>> Watch(const api::KindInfo& kind, store::ListOptions options,
                                                            int64_t from_revision) override {
    return store_.Watch(kind, std::move(options), from_revision);
  }
  int64_t CurrentRevision() const override { return store_.CurrentRevision(); }

 private:
  // Prepares `op` as the API would; an error when the API would refuse it.
  absl::Status Admit(store::WriteOp& op) const;

  store::Store& store_;
  const Admission admission_;
};

}  // namespace gantry::apiserver
