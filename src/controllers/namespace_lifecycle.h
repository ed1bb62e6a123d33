// The namespace lifecycle controller: a namespace whose DELETE marked it
// (deletionTimestamp set, phase Terminating) loses its contents as a user's
// deletes would remove them: pods bound to a node gracefully (they stay
// Terminating until their node confirms), everything else at once. Once
// nothing is left in it, the namespace goes. New content is refused by
// admission meanwhile. Namespaces are few and deletions rare, so the
// controller looks at them every period rather than following a watch.
#pragma once

#include <absl/status/status.h>
#include <absl/time/time.h>

#include <string>
#include <thread>

#include "store/store.h"

namespace gantry::controllers {

class NamespaceLifecycleController {
 public:
  explicit NamespaceLifecycleController(store::Store& store, absl::Duration period = absl::Milliseconds(500));
  ~NamespaceLifecycleController();

  void Start();
  void Stop();

  // One pass over the terminating namespaces; on the calling thread (the
  // controller's, or a test).
  void Reconcile(absl::Time now);

 private:
  // Deletes what is left in `namespace_`; returns how many objects remain.
  absl::StatusOr<size_t> DrainNamespace(const std::string& namespace_, absl::Time now);

  store::Store& store_;
  const absl::Duration period_;
  std::jthread thread_;
};

}  // namespace gantry::controllers
