// Score (default): prefer the node with the most cpu and memory left after
// placing the pod, spreading load.
#include "scheduler/allocation.h"
#include "scheduler/plugins/registry.h"

namespace gantry::scheduler::plugins {
namespace {

class LeastAllocated final : public ScorePlugin {
 public:
  absl::string_view name() const override { return "LeastAllocated"; }
  int64_t Score(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    double free_cpu = 1.0 - RequestedFraction(pod, nodes, node, pod.score_cpu_slot);
    double free_memory = 1.0 - RequestedFraction(pod, nodes, node, pod.score_memory_slot);
    return static_cast<int64_t>((free_cpu + free_memory) * 50.0);
  }
};

}  // namespace

std::unique_ptr<ScorePlugin> NewLeastAllocated() { return std::make_unique<LeastAllocated>(); }

}  // namespace gantry::scheduler::plugins
