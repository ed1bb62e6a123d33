// Filter: none of the pod's host ports is already claimed on the node.
#include "scheduler/plugins/registry.h"

namespace gantry::scheduler::plugins {
namespace {

class NodePorts final : public FilterPlugin {
 public:
  absl::string_view name() const override { return "NodePorts"; }

  bool PreFilter(const PodInfo& pod, const cluster::NodeTable&) const override { return !pod.host_ports.empty(); }

  FilterVerdict Filter(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    if (pod.host_ports.empty()) return {};
    for (const cluster::HostPort& want : pod.host_ports) {
      for (const cluster::HostPort& used : nodes.host_ports(node)) {
        if (want.ConflictsWith(used)) return {1, want.port};
      }
    }
    return {};
  }

  std::string Explain(const FilterVerdict&, const PodInfo&, const cluster::NodeTable&, uint32_t) const override {
    return "node(s) didn't have free ports for the requested pod ports";
  }
};

}  // namespace

std::unique_ptr<FilterPlugin> NewNodePorts() { return std::make_unique<NodePorts>(); }

}  // namespace gantry::scheduler::plugins
