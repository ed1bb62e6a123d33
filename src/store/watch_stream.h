// One watcher's queue of events. The store pushes under its own lock and
// never blocks on a consumer: a consumer that falls too far behind is ended
// with an Expired error, as the Kubernetes watch cache does, and relists.
#pragma once

#include <absl/status/status.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "api/field_selector.h"
#include "api/kinds.h"
#include "api/label_selector.h"

namespace gantry::store {

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type = Type::kAdded;
  std::shared_ptr<const google::protobuf::Message> object;
  int64_t revision = 0;
};

const char* WatchEventTypeName(WatchEvent::Type type);

class WatchStream {
 public:
  WatchStream(std::string namespace_, api::LabelMatcher labels, api::FieldSelector fields, size_t max_queued);

  // Waits up to `timeout` for the next event. Returns false on timeout; an
  // error once the stream has ended (cancelled, or fell behind).
  absl::StatusOr<bool> Next(WatchEvent* event, absl::Duration timeout);
  void Cancel();
  // Called, under the stream's lock and so never after it is replaced, when
  // an event arrives at an empty queue or the stream ends: a consumer that
  // reads until Next returns false needs no other wake-up. Keep it cheap.
  void SetListener(std::function<void()> listener);

  // Store side: filters by namespace and selectors (turning a change that
  // leaves or enters the selection into DELETED / ADDED) and queues, without
  // waking the consumer. Returns true when this is the first event queued
  // since the last Flush: the caller then owes the stream a Flush.
  bool Offer(WatchEvent::Type type, const std::shared_ptr<const google::protobuf::Message>& object,
             const std::shared_ptr<const google::protobuf::Message>& previous, int64_t revision);
  // Hands the consumer what was offered, with one wake-up: the store flushes
  // once per commit batch, so a consumer wakes once per batch, not per event.
  void Flush();
  bool ended() const;

 private:
  bool Selected(const google::protobuf::Message& object) const;

  const std::string namespace_;
  const api::LabelMatcher labels_;
  const api::FieldSelector fields_;
  const size_t max_queued_;

  mutable absl::Mutex mu_;
  std::deque<WatchEvent> queue_ ABSL_GUARDED_BY(mu_);
  size_t flushed_ ABSL_GUARDED_BY(mu_) = 0;  // the front of queue_ the consumer may take
  absl::Status end_ ABSL_GUARDED_BY(mu_);
  std::function<void()> listener_ ABSL_GUARDED_BY(mu_);
};

// Feeds every event of `stream` to `apply` until `stop` is requested or the
// stream ends; returns why it ended (OK when stopped, Cancelled when the
// stream was cancelled, else the error, e.g. Expired). `drained`, when
// given, runs each time the events at hand are applied, before waiting for
// more: a consumer that hands work on wakes its worker once per batch there.
absl::Status FollowWatch(std::stop_token stop, WatchStream& stream,
                         const std::function<void(const WatchEvent&)>& apply,
                         const std::function<void()>& drained = nullptr);
// FollowWatch for an owned thread: a watch that ends for any reason but a
// stop or a cancel is logged at error as "<who>: watch ended: <why>".
void FollowWatchLoggingEnd(std::stop_token stop, WatchStream& stream, std::string_view who,
                           const std::function<void(const WatchEvent&)>& apply,
                           const std::function<void()>& drained = nullptr);

}  // namespace gantry::store
