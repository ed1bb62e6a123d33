#include "controllers/watch_feed.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/log_format.h"
#include "common/stoppable_sleep.h"

namespace gantry::controllers {

WatchFeed::WatchFeed(store::Store& store, std::string who) : store_(store), who_(std::move(who)) {}

WatchFeed::~WatchFeed() { Stop(); }

absl::Status WatchFeed::Follow(const api::KindInfo& kind, Handler handler) {
  std::lock_guard lock(mu_);
  if (started_) return absl::FailedPreconditionError(absl::StrCat(who_, ": ", kind.resource, " followed after Start"));
  auto it = std::find_if(followed_.begin(), followed_.end(), [&](const Followed& f) { return f.kind == &kind; });
  if (it == followed_.end()) it = followed_.insert(followed_.end(), Followed{&kind, {}});
  it->handlers.push_back(std::move(handler));
  return absl::OkStatus();
}

absl::Status WatchFeed::Start() {
  std::lock_guard lock(mu_);
  if (started_) return absl::FailedPreconditionError(absl::StrCat(who_, ": started twice"));
  started_ = true;
  for (const Followed& followed : followed_) {
    auto stream = store_.Watch(*followed.kind, {}, 0);
    if (!stream.ok()) return stream.status();
    streams_.push_back(*stream);
    threads_.emplace_back([this, &followed, first = *stream](std::stop_token stop) { Run(stop, followed, first); });
  }
  return absl::OkStatus();
}

void WatchFeed::Run(std::stop_token stop, const Followed& followed, std::shared_ptr<store::WatchStream> stream) {
  const api::KindInfo& kind = *followed.kind;
  auto apply = [&followed](const store::WatchEvent& event) {
    for (const Handler& handler : followed.handlers) handler(event);
  };
  while (!stop.stop_requested()) {
    absl::Status ended = store::FollowWatch(stop, *stream, apply);
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
