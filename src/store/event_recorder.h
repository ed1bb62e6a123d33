// Records Events as Kubernetes' event correlator does: an occurrence with
// the same object, type, reason, message and source as one seen in the last
// ten minutes raises that Event's count and series instead of adding
// another Event. Recording never waits on I/O: occurrences gather in memory
// and are written in one batch at most once per flush period, so a busy
// path (a bind, a scheduling retry) pays a map update.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>
#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <thread>

#include "api/events.h"
#include "api/kinds.h"
#include "store/store.h"

namespace gantry::store {

class EventRecorder {
 public:
  explicit EventRecorder(Store& store, absl::Duration flush_every = absl::Seconds(1));
  ~EventRecorder();

  void Start();
  // Writes what is still pending, then stops.
  void Stop();

  void Record(const api::KindInfo& kind, const google::protobuf::Message& object, const api::EventSpec& spec);
  // Writes the pending occurrences now; the thread's loop, and tests.
  void Flush();

 private:
  struct Series {
    std::unique_ptr<api::Event> event;  // as it will be written
    absl::Time last_seen;
    bool written = false;  // created in the store: later writes update it
    bool dirty = true;
  };

  Store& store_;
  const absl::Duration flush_every_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Series> series_ ABSL_GUARDED_BY(mu_);  // by correlation key
  bool pending_ ABSL_GUARDED_BY(mu_) = false;
  std::jthread thread_;
};

}  // namespace gantry::store
