// FIFO and priority: one heap each, differing only in their order. A heap
// rather than a FIFO list, so a unit sent back after a binder conflict keeps
// its place by arrival.
#include <queue>

#include "dispatcher/sorting_policy.h"

namespace gantry::dispatcher {
namespace {

// `Before(a, b)`: a leaves the queue before b.
template <typename Before>
class OrderedPolicy final : public SortingPolicy {
 public:
  void Push(QueueEntry entry) override { heap_.push(std::move(entry)); }
  std::optional<QueueEntry> Pop() override {
    if (heap_.empty()) return std::nullopt;
    QueueEntry top = heap_.top();
    heap_.pop();
    return top;
  }
  size_t size() const override { return heap_.size(); }

 private:
  struct After {
    bool operator()(const QueueEntry& a, const QueueEntry& b) const { return Before()(b, a); }
  };
  std::priority_queue<QueueEntry, std::vector<QueueEntry>, After> heap_;
};

struct EarlierArrival {
  bool operator()(const QueueEntry& a, const QueueEntry& b) const { return a.seq < b.seq; }
};

struct HigherPriority {
  bool operator()(const QueueEntry& a, const QueueEntry& b) const {
    return a.priority != b.priority ? a.priority > b.priority : a.seq < b.seq;
  }
};

}  // namespace

std::unique_ptr<SortingPolicy> NewFifoPolicy() { return std::make_unique<OrderedPolicy<EarlierArrival>>(); }
std::unique_ptr<SortingPolicy> NewPriorityPolicy() { return std::make_unique<OrderedPolicy<HigherPriority>>(); }

}  // namespace gantry::dispatcher
