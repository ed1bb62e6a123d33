// Score: prefer the node whose cpu and memory would be used in equal shares
// (100 when balanced; the standard deviation of the two shares lowers it).
#include <cmath>

#include "scheduler/allocation.h"
#include "scheduler/plugins/registry.h"

namespace gantry::scheduler::plugins {
namespace {

class BalancedAllocation final : public ScorePlugin {
 public:
  absl::string_view name() const override { return "BalancedAllocation"; }
  int64_t Score(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    double cpu = RequestedFraction(pod, nodes, node, pod.score_cpu_slot);
    double memory = RequestedFraction(pod, nodes, node, pod.score_memory_slot);
    double deviation = std::fabs(cpu - memory) / 2.0;
    return static_cast<int64_t>((1.0 - deviation) * 100.0);
  }
};

}  // namespace

std::unique_ptr<ScorePlugin> NewBalancedAllocation() { return std::make_unique<BalancedAllocation>(); }

}  // namespace gantry::scheduler::plugins
