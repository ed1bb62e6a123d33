#include "scheduler/plugins/registry.h"

#include <utility>

namespace gantry::scheduler::plugins {
namespace {

using FilterFactory = std::unique_ptr<FilterPlugin> (*)();
using ScoreFactory = std::unique_ptr<ScorePlugin> (*)();

constexpr std::pair<absl::string_view, FilterFactory> kFilters[] = {
    {"NodeUnschedulable", NewNodeUnschedulable},
    {"NodeResourcesFit", NewNodeResourcesFit},
    {"NodeAffinity", NewNodeAffinityFilter},
    {"TaintToleration", NewTaintTolerationFilter},
    {"NodePorts", NewNodePorts},
    {"InterPodAffinity", NewInterPodAffinityFilter},
};

constexpr std::pair<absl::string_view, ScoreFactory> kScores[] = {
    {"LeastAllocated", NewLeastAllocated},
    {"MostAllocated", NewMostAllocated},
    {"BalancedAllocation", NewBalancedAllocation},
    {"NodeAffinity", NewNodeAffinityScore},
    {"InterPodAffinity", NewInterPodAffinityScore},
    {"TaintToleration", NewTaintTolerationScore},
};

}  // namespace

std::unique_ptr<FilterPlugin> NewFilterPlugin(absl::string_view name) {
  for (const auto& [n, make] : kFilters) {
    if (n == name) return make();
  }
  return nullptr;
}

std::unique_ptr<ScorePlugin> NewScorePlugin(absl::string_view name) {
  for (const auto& [n, make] : kScores) {
    if (n == name) return make();
  }
  return nullptr;
}

std::vector<absl::string_view> FilterPluginNames() {
  std::vector<absl::string_view> out;
  for (const auto& [n, make] : kFilters) out.push_back(n);
  return out;
}

std::vector<absl::string_view> ScorePluginNames() {
  std::vector<absl::string_view> out;
  for (const auto& [n, make] : kScores) out.push_back(n);
  return out;
}

}  // namespace gantry::scheduler::plugins
