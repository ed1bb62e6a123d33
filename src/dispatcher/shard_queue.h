// The bounded hand-off from the dispatcher to one scheduler shard. Bounded
// and short so the sorting policy, not this queue, decides what runs next;
// its depth is what the dispatcher balances on.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>

#include "common/metrics.h"
#include "dispatcher/unit.h"

namespace gantry::dispatcher {

class ShardQueue {
 public:
  // `on_space` runs (without this queue's lock) after a Pop from a full
  // queue: only then can a producer be waiting for room, and waking it after
  // every Pop would cost a context switch per unit. `depth` follows the
  // queue's length.
  ShardQueue(size_t capacity, std::function<void()> on_space, metrics::Gauge& depth);

  // False when full.
  bool TryPush(Unit unit);
  // Waits for a unit; nullopt once stop is requested.
  std::optional<Unit> Pop(std::stop_token stop);
  size_t depth() const;
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  const std::function<void()> on_space_;
  metrics::Gauge& depth_gauge_;
  mutable std::mutex mu_;
  std::condition_variable_any ready_;
  std::deque<Unit> units_;
};

}  // namespace gantry::dispatcher
