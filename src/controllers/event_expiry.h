// Event expiry, as kube-apiserver's --event-ttl: an Event whose last
// occurrence is older than the TTL (one hour by default) is deleted, so
// Events do not pile up. A sweep runs every tenth of the TTL (at most once a
// minute); Events expire by time, not by a change to watch for.
#pragma once

#include <absl/time/time.h>

#include <thread>

#include "store/store.h"

namespace gantry::controllers {

class EventExpiryController {
 public:
  EventExpiryController(store::Store& store, absl::Duration ttl);
  ~EventExpiryController();

  void Start();
  void Stop();

  // Deletes the Events last seen before now - ttl; returns how many went.
  size_t Sweep(absl::Time now);

 private:
  store::Store& store_;
  const absl::Duration ttl_;
  std::jthread thread_;
};

}  // namespace gantry::controllers
