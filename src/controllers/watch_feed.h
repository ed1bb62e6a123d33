// The watches a controller follows, each on an owned thread. A watch that
// ends (it fell behind and expired) starts again from the current objects,
// which arrive as ADDED, so a controller never misses a change; it only may
// see an object again.
#pragma once

#include <absl/status/status.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace gantry::controllers {

class WatchFeed {
 public:
  WatchFeed(store::Store& store, std::string who);
  ~WatchFeed();

  using Handler = std::function<void(const store::WatchEvent&)>;
  // Starts following `kind` from its current objects.
  absl::Status Follow(const api::KindInfo& kind, Handler handler);
  void Stop();

 private:
  void Run(std::stop_token stop, const api::KindInfo& kind, std::shared_ptr<store::WatchStream> first,
           const Handler& handler);

  store::Store& store_;
  const std::string who_;
  std::mutex mu_;
  std::vector<std::shared_ptr<store::WatchStream>> streams_;
  std::vector<std::jthread> threads_;
};

}  // namespace gantry::controllers
