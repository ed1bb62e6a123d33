// The watches controllers follow, as client-go's shared informers: every
// handler of one kind runs on one owned thread fed by one watch, however many
// controllers registered it, so a batch of pod changes wakes one thread, not
// one per controller. A watch that ends (it fell behind and expired) starts
// again from the current objects, which arrive as ADDED, so a controller
// never misses a change; it only may see an object again.
#pragma once

#include <absl/status/status.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/store.h"

namespace gantry::controllers {

class WatchFeed {
 public:
  WatchFeed(store::Store& store, std::string who);
  ~WatchFeed();

  using Handler = std::function<void(const store::WatchEvent&)>;
  // Adds `handler` for `kind`, before Start; the handlers of one kind run in
  // the order they were added.
  absl::Status Follow(const api::KindInfo& kind, Handler handler);
  // Opens one watch per followed kind, from its current objects.
  absl::Status Start();
  void Stop();

 private:
  struct Followed {
    const api::KindInfo* kind;
    std::vector<Handler> handlers;
  };
  void Run(std::stop_token stop, const Followed& followed, std::shared_ptr<store::WatchStream> first);

  store::Store& store_;
  const std::string who_;
  std::mutex mu_;
  bool started_ = false;
  std::vector<Followed> followed_;
  std::vector<std::shared_ptr<store::WatchStream>> streams_;
  std::vector<std::jthread> threads_;
};

}  // namespace gantry::controllers
