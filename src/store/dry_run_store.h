// A view of a store for ?dryRun=All: reads go to the real store; writes are
// checked as the real store would check them (name free, resourceVersion and
// preconditions met) and answered with the object they would store, but
// nothing is written and no watcher sees anything.
#pragma once

#include "store/store.h"

namespace gantry::store {

class DryRunStore : public Store {
 public:
  explicit DryRunStore(Store& real) : real_(real) {}

  absl::StatusOr<ObjectPtr> Get(const api::KindInfo& kind, absl::string_view namespace_,
                                absl::string_view name) const override;
  absl::StatusOr<ListResult> List(const api::KindInfo& kind, const ListOptions& options) const override;
  std::vector<absl::StatusOr<ObjectPtr>> Commit(std::vector<WriteOp> ops) override;
  absl::StatusOr<std::shared_ptr<WatchStream>> Watch(const api::KindInfo& kind, ListOptions options,
                                                     int64_t from_revision) override;
  int64_t CurrentRevision() const override;

 private:
  Store& real_;
};

}  // namespace gantry::store
