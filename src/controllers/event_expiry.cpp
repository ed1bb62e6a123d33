#include "controllers/event_expiry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "api/kinds.h"
#include "common/log_format.h"
#include "common/stoppable_sleep.h"
#include "common/time_format.h"
#include "core.pb.h"

namespace gantry::controllers {
namespace {

// When an Event last happened: its series, its lastTimestamp, its eventTime,
// else its creation.
absl::Time LastSeen(const api::Event& e) {
  for (const std::string* t : {&e.series().last_observed_time(), &e.last_timestamp(), &e.event_time(),
                               &e.metadata().creation_timestamp()}) {
    if (auto at = ParseRfc3339(*t)) return *at;
  }
  return absl::InfiniteFuture();  // undated: kept rather than guessed at
}

}  // namespace

EventExpiryController::EventExpiryController(store::Store& store, absl::Duration ttl) : store_(store), ttl_(ttl) {}

EventExpiryController::~EventExpiryController() { Stop(); }

void EventExpiryController::Start() {
  absl::Duration every = std::clamp(ttl_ / 10, absl::Seconds(1), absl::Minutes(1));
  thread_ = std::jthread([this, every](std::stop_token stop) {
    while (SleepUnlessStopped(stop, every)) Sweep(absl::Now());
  });
}

void EventExpiryController::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

size_t EventExpiryController::Sweep(absl::Time now) {
  static const api::KindInfo& events = *api::FindKindByResource("", "v1", "events");
  auto listed = store_.List(events, {});
  if (!listed.ok()) {
    spdlog::warn("event expiry: cannot list events: {}", listed.status());
    return 0;
  }
  std::vector<store::WriteOp> ops;
  for (const auto& object : listed->items) {
    const auto& e = static_cast<const api::Event&>(*object);
    if (now - LastSeen(e) <= ttl_) continue;
    store::Preconditions same;
    same.resource_version = e.metadata().resource_version();  // not if it recurred meanwhile
    ops.push_back({store::WriteOp::Type::kDelete, &events, e.metadata().namespace_(), e.metadata().name(), nullptr,
                   same});
  }
  if (ops.empty()) return 0;
  size_t deleted = 0;
  for (const auto& result : store_.Commit(std::move(ops))) deleted += result.ok() ? 1 : 0;
  spdlog::debug("event expiry: {} events older than {} deleted", deleted, absl::FormatDuration(ttl_));
  return deleted;
}

}  // namespace gantry::controllers
