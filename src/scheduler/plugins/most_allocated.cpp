// Score (bin packing): prefer the node that would be fullest in cpu and
// memory after placing the pod, keeping other nodes empty.
#include "scheduler/allocation.h"
#include "scheduler/plugins/registry.h"

namespace gantry::scheduler::plugins {
namespace {

class MostAllocated final : public ScorePlugin {
 public:
  absl::string_view name() const override { return "MostAllocated"; }
  int64_t Score(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    double cpu = RequestedFraction(pod, nodes, node, pod.score_cpu_slot);
    double memory = RequestedFraction(pod, nodes, node, pod.score_memory_slot);
    return static_cast<int64_t>((cpu + memory) * 50.0);
  }
};

}  // namespace

std::unique_ptr<ScorePlugin> NewMostAllocated() { return std::make_unique<MostAllocated>(); }

}  // namespace gantry::scheduler::plugins
