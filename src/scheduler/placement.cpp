#include "scheduler/placement.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <algorithm>

#include "scheduler/plugins/registry.h"

namespace gantry::scheduler {

Profile DefaultProfile() {
  Profile p;
  for (auto name : plugins::FilterPluginNames()) p.filters.push_back(plugins::NewFilterPlugin(name));
  for (const char* name : {"LeastAllocated", "BalancedAllocation", "NodeAffinity", "TaintToleration"}) {
    p.scores.push_back({plugins::NewScorePlugin(name), 1});
  }
  return p;
}

uint32_t FeasibleNodesToFind(uint32_t total, int percentage) {
  constexpr uint32_t kMinFeasible = 100;
  if (total < kMinFeasible || percentage >= 100) return total;
  int adaptive = percentage;
  if (adaptive <= 0) adaptive = std::max(5, 50 - static_cast<int>(total / 125));
  uint32_t n = static_cast<uint32_t>(static_cast<uint64_t>(total) * adaptive / 100);
  return std::max(n, kMinFeasible);
}

Placement Place(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                const std::vector<uint32_t>& order) {
  Placement out;
  uint32_t want = FeasibleNodesToFind(static_cast<uint32_t>(order.size()), profile.percentage_of_nodes_to_score);
  std::vector<uint32_t> feasible;
  feasible.reserve(std::min<size_t>(want, order.size()));
  struct Failure {
    const FilterPlugin* plugin;
    FilterVerdict verdict;
    uint32_t node;
  };
  std::vector<Failure> failures;
  for (uint32_t node : order) {
    ++out.evaluated;
    const FilterPlugin* failed = nullptr;
    FilterVerdict verdict;
    for (const auto& f : profile.filters) {
      verdict = f->Filter(pod, nodes, node);
      if (!verdict.ok()) {
        failed = f.get();
        break;
      }
    }
    if (failed != nullptr) {
      failures.push_back({failed, verdict, node});
      continue;
    }
    feasible.push_back(node);
    if (feasible.size() >= want) break;
  }

  if (feasible.empty()) {
    if (order.empty()) {
      out.explanation = "no nodes available to schedule pods";
      return out;
    }
    absl::flat_hash_map<std::string, int> histogram;
    for (const Failure& f : failures) ++histogram[f.plugin->Explain(f.verdict, pod, nodes, f.node)];
    std::vector<std::pair<std::string, int>> reasons(histogram.begin(), histogram.end());
    std::sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::vector<std::string> parts;
    for (const auto& [reason, count] : reasons) parts.push_back(absl::StrCat(count, " ", reason));
    out.explanation = absl::StrCat("0/", order.size(), " nodes are available: ", absl::StrJoin(parts, ", "), ".");
    return out;
  }
  if (feasible.size() == 1 || profile.scores.empty()) {
    out.node = feasible[0];
    return out;
  }
  std::vector<int64_t> total(feasible.size(), 0);
  std::vector<int64_t> scores(feasible.size());
  for (const WeightedScore& s : profile.scores) {
    for (size_t i = 0; i < feasible.size(); ++i) scores[i] = s.plugin->Score(pod, nodes, feasible[i]);
    s.plugin->Normalize(scores);
    for (size_t i = 0; i < feasible.size(); ++i) total[i] += scores[i] * s.weight;
  }
  size_t best = static_cast<size_t>(std::max_element(total.begin(), total.end()) - total.begin());
  out.node = feasible[best];
  return out;
}

}  // namespace gantry::scheduler
