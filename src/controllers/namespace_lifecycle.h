// The namespace lifecycle controller: a namespace whose DELETE marked it
// (deletionTimestamp set, phase Terminating) loses its contents as a user's
// deletes would remove them: pods bound to a node gracefully (they stay
// Terminating until their node confirms), everything else at once. Once
// nothing is left in it, the namespace goes; admission refuses new content
// meanwhile. Fed by watches: a namespace is looked at again when it changes
// and when one of its pods goes.
#pragma once

#include <absl/container/flat_hash_set.h>
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace gantry::controllers {

class NamespaceLifecycleController {
 public:
  explicit NamespaceLifecycleController(store::Store& store);
  ~NamespaceLifecycleController();

  absl::Status Start();
  void Stop();

  // Drains and, once empty, removes namespace `name` if it is terminating;
  // on the calling thread (the controller's, or a test). A stop leaves the
  // namespace terminating; the next start drains the rest.
  void Reconcile(const std::string& name, absl::Time now, std::stop_token stop = {});

 private:
  // Deletes what is left in `namespace_`, a commit per batch of writes;
  // returns how many pods remain terminating on their nodes, or Cancelled
  // when `stop` came first.
  absl::StatusOr<size_t> DrainNamespace(const std::string& namespace_, absl::Time now, std::stop_token stop);
  void Mark(const std::string& name);
  void Run(std::stop_token stop);

  store::Store& store_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  absl::flat_hash_set<std::string> terminating_;  // seen with a deletionTimestamp
  std::vector<std::string> dirty_;
  std::vector<std::shared_ptr<store::WatchStream>> streams_;
  std::vector<std::jthread> watches_;
  std::jthread loop_;
};

}  // namespace gantry::controllers
