// Filter: every NoSchedule and NoExecute taint of the node is tolerated.
// Score: fewer untolerated PreferNoSchedule taints is better.
#include <absl/strings/str_cat.h>

#include "scheduler/plugins/registry.h"
#include "api/tolerations.h"

namespace gantry::scheduler::plugins {
namespace {

class TaintTolerationFilter final : public FilterPlugin {
 public:
  absl::string_view name() const override { return "TaintToleration"; }
  bool node_static() const override { return true; }

  FilterVerdict Filter(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    const auto& taints = nodes.node(node).spec().taints();
    for (int i = 0; i < taints.size(); ++i) {
      const api::Taint& t = taints[i];
      if (t.effect() != "NoSchedule" && t.effect() != "NoExecute") continue;
      if (!api::ToleratesAny(pod.spec().tolerations(), t)) return {1, static_cast<uint32_t>(i)};
    }
    return {};
  }

  std::string Explain(const FilterVerdict& verdict, const PodInfo&, const cluster::NodeTable& nodes,
                      uint32_t node) const override {
    const auto& taints = nodes.node(node).spec().taints();
    if (static_cast<int>(verdict.detail) >= taints.size()) return "node(s) had untolerated taint";
    const api::Taint& t = taints[static_cast<int>(verdict.detail)];
    return absl::StrCat("node(s) had untolerated taint {", t.key(), ": ", t.value(), "}");
  }
};

class TaintTolerationScore final : public ScorePlugin {
 public:
  absl::string_view name() const override { return "TaintToleration"; }

  int64_t Score(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    int64_t untolerated = 0;
    for (const auto& t : nodes.node(node).spec().taints()) {
      if (t.effect() != "PreferNoSchedule") continue;
      bool tolerated = false;
      for (const auto& tol : pod.spec().tolerations()) {
        if ((tol.effect().empty() || tol.effect() == "PreferNoSchedule") && api::Tolerates(tol, t)) tolerated = true;
      }
      if (!tolerated) ++untolerated;
    }
    return untolerated;
  }

  void Normalize(std::vector<int64_t>& scores) const override { NormalizeByMax(scores, true); }
};

}  // namespace

std::unique_ptr<FilterPlugin> NewTaintTolerationFilter() { return std::make_unique<TaintTolerationFilter>(); }
std::unique_ptr<ScorePlugin> NewTaintTolerationScore() { return std::make_unique<TaintTolerationScore>(); }

}  // namespace gantry::scheduler::plugins
