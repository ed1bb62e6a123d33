// Filter: a cordoned node (spec.unschedulable) takes only pods that tolerate
// node.kubernetes.io/unschedulable:NoSchedule.
#include "scheduler/plugins/registry.h"
#include "api/tolerations.h"

namespace gantry::scheduler::plugins {
namespace {

class NodeUnschedulable final : public FilterPlugin {
 public:
  NodeUnschedulable() {
    taint_.set_key("node.kubernetes.io/unschedulable");
    taint_.set_effect("NoSchedule");
  }
  absl::string_view name() const override { return "NodeUnschedulable"; }
  bool node_static() const override { return true; }

  FilterVerdict Filter(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    if (!nodes.unschedulable(node) || api::ToleratesAny(pod.spec().tolerations(), taint_)) return {};
    return {1, 0};
  }

  std::string Explain(const FilterVerdict&, const PodInfo&, const cluster::NodeTable&, uint32_t) const override {
    return "node(s) were unschedulable";
  }

 private:
  api::Taint taint_;
};

}  // namespace

std::unique_ptr<FilterPlugin> NewNodeUnschedulable() { return std::make_unique<NodeUnschedulable>(); }

}  // namespace gantry::scheduler::plugins
