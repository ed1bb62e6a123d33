#include "store/watch_stream.h"

#include <spdlog/spdlog.h>

#include "common/log_format.h"

#include "api/errors.h"
#include "api/object_meta.h"

namespace gantry::store {

const char* WatchEventTypeName(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::kAdded: return "ADDED";
    case WatchEvent::Type::kModified: return "MODIFIED";
    case WatchEvent::Type::kDeleted: return "DELETED";
  }
  return "ERROR";
}

WatchStream::WatchStream(std::string namespace_, api::LabelMatcher labels, api::FieldSelector fields,
                         size_t max_queued)
    : namespace_(std::move(namespace_)),
      labels_(std::move(labels)),
      fields_(std::move(fields)),
      max_queued_(max_queued) {}

bool WatchStream::Selected(const google::protobuf::Message& object) const {
  const api::ObjectMeta& meta = api::MetaOf(object);
  if (!namespace_.empty() && meta.namespace_() != namespace_) return false;
  return labels_.Matches(meta.labels()) && fields_.Matches(object);
}

bool WatchStream::Offer(WatchEvent::Type type,
                        const std::shared_ptr<const google::protobuf::Message>& object,
                        const std::shared_ptr<const google::protobuf::Message>& previous,
                        int64_t revision) {
  bool now = Selected(*object);
  bool before = previous != nullptr && Selected(*previous);
  if (type == WatchEvent::Type::kModified) {
    if (now && !before) type = WatchEvent::Type::kAdded;
    if (!now && before) {
      type = WatchEvent::Type::kDeleted;
      now = true;
    }
  }
  if (!now) return false;
  absl::MutexLock lock(&mu_);
  if (!end_.ok()) return false;
  if (queue_.size() >= max_queued_) {
    queue_.clear();
    flushed_ = 0;
    end_ = api::ExpiredError("watch consumer fell too far behind; relist");
    if (listener_) listener_();
    return false;
  }
  queue_.push_back({type, object, revision});
  return queue_.size() == flushed_ + 1;
}

void WatchStream::Flush() {
  absl::MutexLock lock(&mu_);
  if (flushed_ == queue_.size()) return;
  bool was_empty = flushed_ == 0;
  flushed_ = queue_.size();
  if (was_empty && listener_) listener_();
}

void WatchStream::SetListener(std::function<void()> listener) {
  absl::MutexLock lock(&mu_);
  listener_ = std::move(listener);
  if (listener_ && (flushed_ > 0 || !end_.ok())) listener_();
}

absl::StatusOr<bool> WatchStream::Next(WatchEvent* event, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return flushed_ > 0 || !end_.ok(); };
  // Awaiting even a zero timeout is a futex wait: a non-blocking poll from
  // an I/O thread must not sleep.
  if (timeout > absl::ZeroDuration()) mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (flushed_ > 0) {
    *event = std::move(queue_.front());
    queue_.pop_front();
    --flushed_;
    return true;
  }
  if (!end_.ok()) return end_;
  return false;
}

void WatchStream::Cancel() {
  absl::MutexLock lock(&mu_);
  if (end_.ok()) end_ = absl::CancelledError("watch cancelled");
  queue_.clear();
  flushed_ = 0;
  listener_ = nullptr;
}

bool WatchStream::ended() const {
  absl::MutexLock lock(&mu_);
  return !end_.ok();
}

absl::Status FollowWatch(std::stop_token stop, WatchStream& stream,
                         const std::function<void(const WatchEvent&)>& apply,
                         const std::function<void()>& drained) {
  WatchEvent event;
  bool applied = false;
  while (!stop.stop_requested()) {
    auto got = stream.Next(&event, absl::ZeroDuration());
    if (got.ok() && !*got) {
      if (applied && drained) drained();
      applied = false;
      got = stream.Next(&event, absl::Milliseconds(200));
    }
    if (!got.ok()) return got.status();
    if (*got) {
      apply(event);
      applied = true;
    }
  }
  return absl::OkStatus();
}

void FollowWatchLoggingEnd(std::stop_token stop, WatchStream& stream, std::string_view who,
                           const std::function<void(const WatchEvent&)>& apply,
                           const std::function<void()>& drained) {
  absl::Status ended = FollowWatch(stop, stream, apply, drained);
  if (!ended.ok() && ended.code() != absl::StatusCode::kCancelled) {
    spdlog::error("{}: watch ended: {}", who, ended);
  }
}

}  // namespace gantry::store
