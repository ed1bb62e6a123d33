#include "dispatcher/backoff_queue.h"

#include <algorithm>

namespace gantry::dispatcher {

absl::Duration BackoffDelay(int attempts) {
  constexpr int kMaxDoublings = 6;  // 1 s << 6 = 64 s, capped at 60 s
  int doublings = std::clamp(attempts - 1, 0, kMaxDoublings);
  return std::min(absl::Seconds(1) * (int64_t{1} << doublings), absl::Seconds(60));
}

void BackoffQueue::Add(Entry entry, absl::Time ready_at) { waiting_.emplace(ready_at, std::move(entry)); }

std::vector<BackoffQueue::Entry> BackoffQueue::TakeReady(absl::Time now) {
  std::vector<Entry> out;
  auto end = waiting_.upper_bound(now);
  for (auto it = waiting_.begin(); it != end; ++it) out.push_back(std::move(it->second));
  waiting_.erase(waiting_.begin(), end);
  return out;
}

std::vector<BackoffQueue::Entry> BackoffQueue::TakeAll() { return TakeReady(absl::InfiniteFuture()); }

absl::Time BackoffQueue::NextReady() const {
  return waiting_.empty() ? absl::InfiniteFuture() : waiting_.begin()->first;
}

}  // namespace gantry::dispatcher
