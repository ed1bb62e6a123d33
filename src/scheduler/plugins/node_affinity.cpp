// Filter: the node matches the pod's nodeSelector and its required node
// affinity. Score: the summed weights of the preferred terms it matches.
#include "api/node_selector.h"
#include "scheduler/plugins/registry.h"

namespace gantry::scheduler::plugins {
namespace {

class NodeAffinityFilter final : public FilterPlugin {
 public:
  absl::string_view name() const override { return "NodeAffinity"; }
  bool node_static() const override { return true; }

  bool PreFilter(const PodInfo& pod, const cluster::NodeTable&) const override {
    return !pod.spec().node_selector().empty() ||
           pod.spec().affinity().node_affinity().has_required_during_scheduling_ignored_during_execution();
  }

  FilterVerdict Filter(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    const api::Node& n = nodes.node(node);
    const auto& labels = n.metadata().labels();
    for (const auto& [key, value] : pod.spec().node_selector()) {
      auto it = labels.find(key);
      if (it == labels.end() || it->second != value) return {1, 0};
    }
    const auto& affinity = pod.spec().affinity().node_affinity();
    if (affinity.has_required_during_scheduling_ignored_during_execution() &&
        !api::AnyTermMatches(affinity.required_during_scheduling_ignored_during_execution(), n)) {
      return {1, 0};
    }
    return {};
  }

  std::string Explain(const FilterVerdict&, const PodInfo&, const cluster::NodeTable&, uint32_t) const override {
    return "node(s) didn't match Pod's node affinity/selector";
  }
};

class NodeAffinityScore final : public ScorePlugin {
 public:
  absl::string_view name() const override { return "NodeAffinity"; }

  bool PreScore(const PodInfo& pod, const cluster::NodeTable&) const override {
    return !pod.spec().affinity().node_affinity().preferred_during_scheduling_ignored_during_execution().empty();
  }

  int64_t Score(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    int64_t sum = 0;
    for (const auto& term : pod.spec().affinity().node_affinity().preferred_during_scheduling_ignored_during_execution()) {
      if (api::TermMatches(term.preference(), nodes.node(node))) sum += term.weight();
    }
    return sum;
  }

  void Normalize(std::vector<int64_t>& scores) const override { NormalizeByMax(scores, false); }
};

}  // namespace

std::unique_ptr<FilterPlugin> NewNodeAffinityFilter() { return std::make_unique<NodeAffinityFilter>(); }
std::unique_ptr<ScorePlugin> NewNodeAffinityScore() { return std::make_unique<NodeAffinityScore>(); }

}  // namespace gantry::scheduler::plugins
