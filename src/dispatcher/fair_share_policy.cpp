// Fair share across namespaces: the namespace with the smallest dominant
// share of bound and in-flight resources sends its oldest unit next, so a
// namespace that floods the queue cannot starve the others.
#include <absl/container/flat_hash_map.h>

#include <limits>
#include <queue>

#include "dispatcher/namespace_shares.h"
#include "dispatcher/sorting_policy.h"

namespace gantry::dispatcher {
namespace {

class FairSharePolicy final : public SortingPolicy {
 public:
  explicit FairSharePolicy(const NamespaceShares& shares) : shares_(shares) {}

  void Push(QueueEntry entry) override {
    queues_[entry.namespace_].push(std::move(entry));
    ++size_;
  }

  std::optional<QueueEntry> Pop() override {
    Queue* best = nullptr;
    double best_share = std::numeric_limits<double>::infinity();
    for (auto& [ns, queue] : queues_) {
      double share = shares_.DominantShare(ns);
      if (best == nullptr || share < best_share ||
          (share == best_share && queue.top().seq < best->top().seq)) {
        best = &queue;
        best_share = share;
      }
    }
    if (best == nullptr) return std::nullopt;
    QueueEntry top = best->top();
    best->pop();
    --size_;
    if (best->empty()) queues_.erase(top.namespace_);
    return top;
  }

  size_t size() const override { return size_; }

 private:
  struct LaterArrival {
    bool operator()(const QueueEntry& a, const QueueEntry& b) const { return a.seq > b.seq; }
  };
  using Queue = std::priority_queue<QueueEntry, std::vector<QueueEntry>, LaterArrival>;

  const NamespaceShares& shares_;
  absl::flat_hash_map<std::string, Queue> queues_;  // only namespaces with queued units
  size_t size_ = 0;
};

}  // namespace

std::unique_ptr<SortingPolicy> NewFairSharePolicy(const NamespaceShares& shares) {
  return std::make_unique<FairSharePolicy>(shares);
}

}  // namespace gantry::dispatcher
