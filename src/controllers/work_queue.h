// The keys ("namespace/name") a controller has to look at, as client-go's
// workqueue keeps them: a key waits at most once however often it is added,
// and a key may be due later (a retry after a failure, a deadline).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/time/time.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

namespace gantry::controllers {

class WorkQueue {
 public:
  void Add(const std::string& key);
  // Adds `key` once `delay` has passed; an earlier due time already set wins.
  void AddAfter(const std::string& key, absl::Duration delay);
  // The next key that is due, waiting for one; nullopt once `stop` is requested.
  std::optional<std::string> Next(std::stop_token stop);
  size_t Depth() const;

 private:
  void PromoteDue(absl::Time now);

  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::deque<std::string> ready_;
  absl::flat_hash_set<std::string> queued_;
  absl::flat_hash_map<std::string, absl::Time> later_;
};

}  // namespace gantry::controllers
