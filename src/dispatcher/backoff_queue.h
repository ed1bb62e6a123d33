// Units that found no node wait here: 1 s after the first failure, doubling
// to 60 s. A relevant cluster event (a node added or changed, a bound pod
// gone) releases them all at once, since any of them may fit now.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gantry::dispatcher {

absl::Duration BackoffDelay(int attempts);

class BackoffQueue {
 public:
  struct Entry {
    std::string key;
    uint64_t seq = 0;
  };

  void Add(Entry entry, absl::Time ready_at);
  // Entries whose time has come, oldest deadline first.
  std::vector<Entry> TakeReady(absl::Time now);
  std::vector<Entry> TakeAll();
  // The earliest deadline; InfiniteFuture when empty.
  absl::Time NextReady() const;
  size_t size() const { return waiting_.size(); }

 private:
  std::multimap<absl::Time, Entry> waiting_;
};

}  // namespace gantry::dispatcher
