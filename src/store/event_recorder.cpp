#include "store/event_recorder.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "api/object_meta.h"
#include "common/log_format.h"
#include "common/metrics.h"
#include "common/stoppable_sleep.h"
#include "common/time_format.h"

namespace gantry::store {
namespace {

// Kubernetes' aggregation window: a repeat after this starts a new Event.
constexpr absl::Duration kWindow = absl::Minutes(10);
// Series remembered for aggregation, as client-go's correlator caches 4,096:
// beyond it the least recently seen written ones are forgotten (a repeat of
// one starts a new Event), so a stream of one-off Events (Scheduled for
// every pod) costs no memory that grows with the pods.
constexpr size_t kMaxSeries = 4096;

const api::KindInfo& EventsKind() { return *api::FindKindByResource("", "v1", "events"); }

metrics::Counter& WrittenEvents() {
  static auto* family = &metrics::DefaultRegistry().AddCounter(
      "gantry_events_written_total", "Event writes (creates, and updates of a repeating Event's count).", {});
  static auto* counter = &family->WithLabels({});
  return *counter;
}

}  // namespace

EventRecorder::EventRecorder(Store& store, absl::Duration flush_every) : store_(store), flush_every_(flush_every) {}

EventRecorder::~EventRecorder() { Stop(); }

void EventRecorder::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&pending_), absl::Minutes(1));
      }
      Flush();
      // At most one batch per period: repeats in between are coalesced.
      SleepUnlessStopped(stop, flush_every_);
    }
  });
}

void EventRecorder::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  {
    absl::MutexLock lock(&mu_);
    pending_ = true;  // wakes the loop
  }
  thread_.join();
  Flush();
}

void EventRecorder::Record(const api::KindInfo& kind, const google::protobuf::Message& object,
                           const api::EventSpec& spec) {
  const api::ObjectMeta& meta = api::MetaOf(object);
  std::string key = absl::StrCat(kind.kind, "/", meta.namespace_(), "/", meta.name(), "/", meta.uid(), "\x1f",
                                 spec.type, "\x1f", spec.reason, "\x1f", spec.message, "\x1f", spec.component);
  absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  auto [it, fresh] = series_.try_emplace(std::move(key));
  Series& s = it->second;
  if (fresh || now - s.last_seen > kWindow) {
    s.event = api::NewEvent(kind, object, spec);
    s.written = false;
  } else {
    int32_t count = s.event->count() + 1;
    s.event->set_count(count);
    s.event->set_last_timestamp(Rfc3339(now));
    s.event->mutable_series()->set_count(count);
    s.event->mutable_series()->set_last_observed_time(Rfc3339Micro(now));
  }
  s.last_seen = now;
  s.dirty = true;
  pending_ = true;
}

void EventRecorder::Flush() {
  std::vector<WriteOp> ops;
  std::vector<std::string> keys;
  absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    pending_ = false;
    for (auto it = series_.begin(); it != series_.end();) {
      Series& s = it->second;
      if (!s.dirty && now - s.last_seen > kWindow) {
        series_.erase(it++);
        continue;
      }
      if (s.dirty) {
        const api::ObjectMeta& meta = s.event->metadata();
        ops.push_back({s.written ? WriteOp::Type::kUpdate : WriteOp::Type::kCreate, &EventsKind(),
                       meta.namespace_(), meta.name(), std::make_unique<api::Event>(*s.event), {}});
        keys.push_back(it->first);
        s.written = true;
        s.dirty = false;
      }
      ++it;
    }
    if (series_.size() > kMaxSeries) {
      std::vector<std::pair<absl::Time, std::string>> written;
      for (const auto& [key, s] : series_) {
        if (!s.dirty) written.emplace_back(s.last_seen, key);
      }
      size_t excess = std::min(written.size(), series_.size() - kMaxSeries);
      std::nth_element(written.begin(), written.begin() + static_cast<std::ptrdiff_t>(excess), written.end());
      for (size_t i = 0; i < excess; ++i) series_.erase(written[i].second);
    }
  }
  if (ops.empty()) return;
  std::vector<absl::StatusOr<ObjectPtr>> results = store_.Commit(std::move(ops));
  size_t written = 0;
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) {
      ++written;
    } else if (results[i].status().code() == absl::StatusCode::kNotFound) {
      // It expired meanwhile: the next flush creates it again.
      if (auto it = series_.find(keys[i]); it != series_.end()) {
        it->second.written = false;
        it->second.dirty = true;
        pending_ = true;
      }
    } else {
      // An Event is a record, not state: one lost under a failing store is
      // logged, never retried into a backlog.
      spdlog::warn("events: not written: {}", results[i].status());
    }
  }
  WrittenEvents().Inc(static_cast<double>(written));
}

}  // namespace gantry::store
