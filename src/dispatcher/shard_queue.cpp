#include "dispatcher/shard_queue.h"

namespace gantry::dispatcher {

ShardQueue::ShardQueue(size_t capacity, std::function<void()> on_space, metrics::Gauge& depth)
    : capacity_(capacity), on_space_(std::move(on_space)), depth_gauge_(depth) {}

bool ShardQueue::TryPush(Unit unit) {
  {
    std::lock_guard lock(mu_);
    if (units_.size() >= capacity_) return false;
    units_.push_back(std::move(unit));
    depth_gauge_.Set(static_cast<double>(units_.size()));
  }
  ready_.notify_one();
  return true;
}

std::optional<Unit> ShardQueue::Pop(std::stop_token stop) {
  std::optional<Unit> out;
  bool was_full;
  {
    std::unique_lock lock(mu_);
    if (!ready_.wait(lock, stop, [this] { return !units_.empty(); })) return std::nullopt;
    was_full = units_.size() >= capacity_;
    out = std::move(units_.front());
    units_.pop_front();
    depth_gauge_.Set(static_cast<double>(units_.size()));
  }
  if (was_full && on_space_) on_space_();
  return out;
}

size_t ShardQueue::depth() const {
  std::lock_guard lock(mu_);
  return units_.size();
}

}  // namespace gantry::dispatcher
