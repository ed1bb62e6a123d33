#include "controllers/watch_feed.h"

#include <spdlog/spdlog.h>

#include "common/log_format.h"
#include "common/stoppable_sleep.h"

namespace gantry::controllers {

WatchFeed::WatchFeed(store::Store& store, std::string who) : store_(store), who_(std::move(who)) {}

WatchFeed::~WatchFeed() { Stop(); }

absl::Status WatchFeed::Follow(const api::KindInfo& kind, Handler handler) {
  auto stream = store_.Watch(kind, {}, 0);
  if (!stream.ok()) return stream.status();
  std::lock_guard lock(mu_);
  streams_.push_back(*stream);
  threads_.emplace_back([this, &kind, first = *stream, handler = std::move(handler)](std::stop_token stop) {
    Run(stop, kind, first, handler);
  });
  return absl::OkStatus();
}

void WatchFeed::Run(std::stop_token stop, const api::KindInfo& kind, std::shared_ptr<store::WatchStream> stream,
                    const Handler& handler) {
  while (!stop.stop_requested()) {
    absl::Status ended = store::FollowWatch(stop, *stream, handler);
    if (stop.stop_requested() || absl::IsCancelled(ended)) return;
    spdlog::warn("{}: watch of {} ended ({}); following it again from the current objects", who_, kind.resource,
                 ended);
    auto again = store_.Watch(kind, {}, 0);
    if (!again.ok()) {
      spdlog::error("{}: watching {}: {}", who_, kind.resource, again.status());
      SleepUnlessStopped(stop, absl::Seconds(1));
      continue;
    }
    std::lock_guard lock(mu_);
    for (auto& s : streams_) {
      if (s == stream) s = *again;
    }
    stream = *again;
  }
}

void WatchFeed::Stop() {
  std::vector<std::jthread> threads;
  {
    std::lock_guard lock(mu_);
    for (auto& t : threads_) t.request_stop();
    for (const auto& s : streams_) s->Cancel();
    threads.swap(threads_);
  }
  threads.clear();
  std::lock_guard lock(mu_);
  streams_.clear();
}

}  // namespace gantry::controllers
