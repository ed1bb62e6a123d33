#include "scheduler/placement.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <algorithm>
#include <chrono>

#include "scheduler/plugins/registry.h"

namespace gantry::scheduler {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Failure {
  const FilterPlugin* plugin;
  FilterVerdict verdict;
  uint32_t node;
};

// Bit i set: filter i runs in this attempt (its PreFilter did not skip it).
using ActiveFilters = uint64_t;

// Runs every filter's PreFilter; returns the filters that must run.
ActiveFilters PreFilter(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                        bool skip_node_static) {
  pod.cycle_state.clear();
  ActiveFilters active = 0;
  for (size_t i = 0; i < profile.filters.size(); ++i) {
    const FilterPlugin& f = *profile.filters[i];
    if (skip_node_static && f.node_static()) continue;
    if (f.PreFilter(pod, nodes)) active |= ActiveFilters{1} << i;
  }
  return active;
}

// The first active filter that rejects `node`, or nullptr when all pass.
const FilterPlugin* FirstFailing(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                                 uint32_t node, ActiveFilters active, PluginTimes* times, FilterVerdict* verdict) {
  for (size_t i = 0; i < profile.filters.size(); ++i) {
    if ((active & (ActiveFilters{1} << i)) == 0) continue;
    const FilterPlugin& f = *profile.filters[i];
    if (times != nullptr) {
      auto t0 = Clock::now();
      *verdict = f.Filter(pod, nodes, node);
      times->filters[i] += SecondsSince(t0);
    } else {
      *verdict = f.Filter(pod, nodes, node);
    }
    if (!verdict->ok()) return &f;
  }
  return nullptr;
}

std::string Explain(const std::vector<Failure>& failures, const PodInfo& pod, const cluster::NodeTable& nodes,
                    size_t considered) {
  if (considered == 0) return "no nodes available to schedule pods";
  absl::flat_hash_map<std::string, int> histogram;
  for (const Failure& f : failures) ++histogram[f.plugin->Explain(f.verdict, pod, nodes, f.node)];
  std::vector<std::pair<std::string, int>> reasons(histogram.begin(), histogram.end());
  std::sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> parts;
  for (const auto& [reason, count] : reasons) parts.push_back(absl::StrCat(count, " ", reason));
  return absl::StrCat("0/", considered, " nodes are available: ", absl::StrJoin(parts, ", "), ".");
}

}  // namespace

Profile DefaultProfile() {
  Profile p;
  for (auto name : plugins::FilterPluginNames()) p.filters.push_back(plugins::NewFilterPlugin(name));
  for (const char* name : {"LeastAllocated", "BalancedAllocation", "NodeAffinity", "InterPodAffinity",
                           "TaintToleration"}) {
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
                const PlaceOptions& options) {
  Placement out;
  PluginTimes* times = options.times;
  if (times != nullptr) {
    times->filters.assign(profile.filters.size(), 0);
    times->scores.assign(profile.scores.size(), 0);
  }
  const ActiveFilters active = PreFilter(profile, pod, nodes, options.skip_node_static);
  const uint32_t want = FeasibleNodesToFind(nodes.size(), profile.percentage_of_nodes_to_score);
  std::vector<uint32_t> feasible;
  feasible.reserve(std::min<size_t>(want, options.primary.size() + options.secondary.size()));
  std::vector<Failure> failures;
  auto scan = [&](absl::Span<const uint32_t> order, size_t start) {
    const size_t n = order.size();
    for (size_t k = 0; k < n && feasible.size() < want; ++k) {
      uint32_t node = order[(start + k) % n];
      ++out.evaluated;
      FilterVerdict verdict;
      const FilterPlugin* failed = FirstFailing(profile, pod, nodes, node, active, times, &verdict);
      if (failed != nullptr) {
        failures.push_back({failed, verdict, node});
      } else {
        feasible.push_back(node);
      }
    }
  };
  scan(options.primary, options.start);
  if (feasible.empty()) scan(options.secondary, 0);

  if (feasible.empty()) {
    out.explanation = Explain(failures, pod, nodes, options.primary.size() + options.secondary.size());
    return out;
  }
  if (feasible.size() == 1 || profile.scores.empty()) {
    out.node = feasible[0];
    return out;
  }
  std::vector<int64_t> total(feasible.size(), 0);
  std::vector<int64_t> scores(feasible.size());
  for (size_t p = 0; p < profile.scores.size(); ++p) {
    const WeightedScore& s = profile.scores[p];
    auto t0 = times != nullptr ? Clock::now() : Clock::time_point{};
    if (!s.plugin->PreScore(pod, nodes)) continue;
    for (size_t i = 0; i < feasible.size(); ++i) scores[i] = s.plugin->Score(pod, nodes, feasible[i]);
    s.plugin->Normalize(scores);
    if (times != nullptr) times->scores[p] += SecondsSince(t0);
    for (size_t i = 0; i < feasible.size(); ++i) total[i] += scores[i] * s.weight;
  }
  size_t best = static_cast<size_t>(std::max_element(total.begin(), total.end()) - total.begin());
  out.node = feasible[best];
  return out;
}

Placement Place(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                const std::vector<uint32_t>& order) {
  return Place(profile, pod, nodes, PlaceOptions{.primary = order, .secondary = {}});
}

std::vector<uint32_t> NodeStaticFeasible(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                                         absl::Span<const uint32_t> order) {
  std::vector<const FilterPlugin*> statics;
  for (const auto& f : profile.filters) {
    if (f->node_static() && f->PreFilter(pod, nodes)) statics.push_back(f.get());
  }
  std::vector<uint32_t> out;
  out.reserve(order.size());
  for (uint32_t node : order) {
    bool pass = std::all_of(statics.begin(), statics.end(),
                            [&](const FilterPlugin* f) { return f->Filter(pod, nodes, node).ok(); });
    if (pass) out.push_back(node);
  }
  return out;
}

absl::Status CheckNode(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) {
  const ActiveFilters active = PreFilter(profile, pod, nodes, false);
  FilterVerdict verdict;
  const FilterPlugin* failed = FirstFailing(profile, pod, nodes, node, active, nullptr, &verdict);
  if (failed == nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError(failed->Explain(verdict, pod, nodes, node));
}

}  // namespace gantry::scheduler
