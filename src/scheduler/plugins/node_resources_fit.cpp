// Filter: the node's allocatable minus what is already requested covers the
// pod's request in every resource (cpu, memory, ephemeral-storage, pods,
// extended resources).
#include <absl/strings/str_cat.h>

#include "scheduler/plugins/registry.h"

namespace gantry::scheduler::plugins {
namespace {

class NodeResourcesFit final : public FilterPlugin {
 public:
  absl::string_view name() const override { return "NodeResourcesFit"; }

  FilterVerdict Filter(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    const cluster::ResourceVector& alloc = nodes.allocatable(node);
    const cluster::ResourceVector& used = nodes.requested(node);
    int slots = cluster::ResourceSlotsInUse();
    for (int r = 0; r < slots; ++r) {
      if (pod.requests[r] > 0 && alloc[r] - used[r] < pod.requests[r]) return {1, static_cast<uint32_t>(r)};
    }
    return {};
  }

  std::string Explain(const FilterVerdict& verdict, const PodInfo&, const cluster::NodeTable&,
                      uint32_t) const override {
    if (static_cast<int>(verdict.detail) == cluster::kPods) return "Too many pods";
    return absl::StrCat("Insufficient ", cluster::ResourceName(static_cast<int>(verdict.detail)));
  }
};

}  // namespace

std::unique_ptr<FilterPlugin> NewNodeResourcesFit() { return std::make_unique<NodeResourcesFit>(); }

}  // namespace gantry::scheduler::plugins
