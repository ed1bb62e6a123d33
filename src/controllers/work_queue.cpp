#include "controllers/work_queue.h"

#include <algorithm>
#include <chrono>

namespace gantry::controllers {

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  later_.erase(key);
  if (queued_.insert(key).second) {
    ready_.push_back(key);
    wake_.notify_one();
  }
}

void WorkQueue::AddAfter(const std::string& key, absl::Duration delay) {
  if (delay <= absl::ZeroDuration()) return Add(key);
  std::lock_guard lock(mu_);
  if (queued_.contains(key)) return;
  absl::Time due = absl::Now() + delay;
  auto [it, inserted] = later_.try_emplace(key, due);
  if (!inserted) it->second = std::min(it->second, due);
  wake_.notify_one();
}

void WorkQueue::PromoteDue(absl::Time now) {
  for (auto it = later_.begin(); it != later_.end();) {
    if (it->second <= now) {
      if (queued_.insert(it->first).second) ready_.push_back(it->first);
      later_.erase(it++);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> WorkQueue::Next(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    absl::Time now = absl::Now();
    PromoteDue(now);
    if (!ready_.empty()) {
      std::string key = std::move(ready_.front());
      ready_.pop_front();
      queued_.erase(key);
      return key;
    }
    absl::Time next_due = absl::InfiniteFuture();
    for (const auto& [key, due] : later_) next_due = std::min(next_due, due);
    auto wait = next_due == absl::InfiniteFuture() ? std::chrono::milliseconds(60'000)
                                                     : absl::ToChronoMilliseconds(next_due - now) + std::chrono::milliseconds(1);
    wake_.wait_for(lock, stop, wait, [this] { return !ready_.empty(); });
  }
  return std::nullopt;
}

size_t WorkQueue::Depth() const {
  std::lock_guard lock(mu_);
  return ready_.size() + later_.size();
}

}  // namespace gantry::controllers
