// Filter: required podAffinity (some matching pod already runs in the node's
// topology domain), required podAntiAffinity (none does), and the required
// anti-affinity of pods already placed (they repel this pod from their
// domain). Score: preferred podAffinity minus preferred podAntiAffinity,
// weighted by how many matching pods share the node's domain.
//
// PreFilter walks the placed pods once per attempt, so Filter is a few hash
// lookups per node; pods without terms skip the walk unless some placed pod
// carries a required anti-affinity term.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>

#include <algorithm>

#include "scheduler/plugins/registry.h"
#include "scheduler/pod_affinity_term.h"

namespace gantry::scheduler::plugins {
namespace {

enum Reason : uint16_t { kAffinity = 1, kAntiAffinity = 2, kExistingAntiAffinity = 3, kBadTerm = 4 };

const std::string* TopologyValue(const api::Node& node, const std::string& key) {
  const auto& labels = node.metadata().labels();
  auto it = labels.find(key);
  return it == labels.end() ? nullptr : &it->second;
}

// Calls fn(pod, node index) for every pod placed in `nodes`.
template <typename Fn>
void ForEachPlacedPod(const cluster::NodeTable& nodes, Fn fn) {
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    for (const auto& pod : nodes.pods(i)) fn(*pod, i);
  }
}

struct RequiredState final : PluginState {
  struct Term {
    PodAffinityMatcher matcher;
    absl::flat_hash_set<std::string> domains;  // topology values holding a matching pod
  };
  std::vector<Term> affinity;
  std::vector<Term> anti_affinity;
  // Affinity terms match no placed pod but the pod matches them itself: the
  // first pod of a group may go anywhere its other rules allow.
  bool affinity_self_start = false;
  // (topology key, value) pairs placed pods' anti-affinity forbids.
  std::vector<std::pair<std::string, std::string>> repelled;
  std::string bad_term;
};

std::unique_ptr<RequiredState> ComputeRequired(const PodInfo& pod, const cluster::NodeTable& nodes) {
  auto state = std::make_unique<RequiredState>();
  const api::Pod& self = *pod.pod;
  const auto& affinity = pod.spec().affinity();
  auto affinity_terms = RequiredTerms(affinity.pod_affinity(), self);
  auto anti_terms = RequiredTerms(affinity.pod_anti_affinity(), self);
  if (!affinity_terms.ok() || !anti_terms.ok()) {
    state->bad_term = std::string((affinity_terms.ok() ? anti_terms.status() : affinity_terms.status()).message());
    return state;
  }
  for (auto& m : *affinity_terms) state->affinity.push_back({std::move(m), {}});
  for (auto& m : *anti_terms) state->anti_affinity.push_back({std::move(m), {}});

  if (!state->affinity.empty() || !state->anti_affinity.empty()) {
    bool any_affinity_match = false;
    ForEachPlacedPod(nodes, [&](const api::Pod& placed, uint32_t i) {
      for (auto* terms : {&state->affinity, &state->anti_affinity}) {
        for (auto& term : *terms) {
          if (!term.matcher.Matches(placed)) continue;
          if (terms == &state->affinity) any_affinity_match = true;
          if (const std::string* v = TopologyValue(nodes.node(i), term.matcher.topology_key)) term.domains.insert(*v);
        }
      }
    });
    state->affinity_self_start =
        !any_affinity_match && !state->affinity.empty() &&
        std::all_of(state->affinity.begin(), state->affinity.end(),
                    [&](const RequiredState::Term& t) { return t.matcher.Matches(self); });
  }

  for (const auto& [placed, node_name] : nodes.anti_affinity_pods()) {
    auto index = nodes.Find(node_name);
    if (!index) continue;
    auto terms = RequiredTerms(placed->spec().affinity().pod_anti_affinity(), *placed);
    if (!terms.ok()) continue;
    for (const auto& term : *terms) {
      if (!term.Matches(self)) continue;
      if (const std::string* v = TopologyValue(nodes.node(*index), term.topology_key)) {
        state->repelled.emplace_back(term.topology_key, *v);
      }
    }
  }
  return state;
}

class InterPodAffinityFilter final : public FilterPlugin {
 public:
  absl::string_view name() const override { return "InterPodAffinity"; }

  bool PreFilter(const PodInfo& pod, const cluster::NodeTable& nodes) const override {
    const auto& affinity = pod.spec().affinity();
    bool has_terms = !affinity.pod_affinity().required_during_scheduling_ignored_during_execution().empty() ||
                     !affinity.pod_anti_affinity().required_during_scheduling_ignored_during_execution().empty();
    if (!has_terms && nodes.anti_affinity_pods().empty()) return false;
    pod.SetState(this, ComputeRequired(pod, nodes));
    return true;
  }

  FilterVerdict Filter(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    const auto* state = pod.State<RequiredState>(this);
    if (state == nullptr) return {};
    if (!state->bad_term.empty()) return {kBadTerm, 0};
    const api::Node& n = nodes.node(node);
    if (!state->affinity_self_start) {
      for (const auto& term : state->affinity) {
        const std::string* v = TopologyValue(n, term.matcher.topology_key);
        if (v == nullptr || !term.domains.contains(*v)) return {kAffinity, 0};
      }
    }
    for (const auto& term : state->anti_affinity) {
      const std::string* v = TopologyValue(n, term.matcher.topology_key);
      if (v != nullptr && term.domains.contains(*v)) return {kAntiAffinity, 0};
    }
    for (const auto& [key, value] : state->repelled) {
      const std::string* v = TopologyValue(n, key);
      if (v != nullptr && *v == value) return {kExistingAntiAffinity, 0};
    }
    return {};
  }

  std::string Explain(const FilterVerdict& verdict, const PodInfo& pod, const cluster::NodeTable&,
                      uint32_t) const override {
    switch (verdict.code) {
      case kAffinity:
        return "node(s) didn't match pod affinity rules";
      case kAntiAffinity:
        return "node(s) didn't match pod anti-affinity rules";
      case kExistingAntiAffinity:
        return "node(s) didn't satisfy existing pods anti-affinity rules";
      default: {
        const auto* state = pod.State<RequiredState>(this);
        return absl::StrCat("invalid pod affinity term: ", state != nullptr ? state->bad_term : "");
      }
    }
  }
};

struct PreferredState final : PluginState {
  struct Term {
    PodAffinityMatcher matcher;
    int64_t sign;                                       // +1 affinity, -1 anti-affinity
    absl::flat_hash_map<std::string, int64_t> counts;  // topology value -> matching pods
  };
  std::vector<Term> terms;
};

class InterPodAffinityScore final : public ScorePlugin {
 public:
  absl::string_view name() const override { return "InterPodAffinity"; }

  bool PreScore(const PodInfo& pod, const cluster::NodeTable& nodes) const override {
    const auto& affinity = pod.spec().affinity();
    auto preferred = PreferredTerms(affinity.pod_affinity(), *pod.pod);
    auto avoided = PreferredTerms(affinity.pod_anti_affinity(), *pod.pod);
    if (!preferred.ok() || !avoided.ok() || (preferred->empty() && avoided->empty())) return false;
    auto state = std::make_unique<PreferredState>();
    for (auto& m : *preferred) state->terms.push_back({std::move(m), 1, {}});
    for (auto& m : *avoided) state->terms.push_back({std::move(m), -1, {}});
    ForEachPlacedPod(nodes, [&](const api::Pod& placed, uint32_t i) {
      for (auto& term : state->terms) {
        if (!term.matcher.Matches(placed)) continue;
        if (const std::string* v = TopologyValue(nodes.node(i), term.matcher.topology_key)) ++term.counts[*v];
      }
    });
    pod.SetState(this, std::move(state));
    return true;
  }

  int64_t Score(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const override {
    const auto* state = pod.State<PreferredState>(this);
    if (state == nullptr) return 0;
    int64_t sum = 0;
    for (const auto& term : state->terms) {
      const std::string* v = TopologyValue(nodes.node(node), term.matcher.topology_key);
      if (v == nullptr) continue;
      auto it = term.counts.find(*v);
      if (it != term.counts.end()) sum += term.sign * term.matcher.weight * it->second;
    }
    return sum;
  }

  // Min-max to 0..100: the sums may be negative.
  void Normalize(std::vector<int64_t>& scores) const override {
    if (scores.empty()) return;
    auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
    int64_t min = *lo;
    int64_t span = *hi - *lo;
    for (int64_t& s : scores) s = span == 0 ? 0 : (s - min) * 100 / span;
  }
};

}  // namespace

std::unique_ptr<FilterPlugin> NewInterPodAffinityFilter() { return std::make_unique<InterPodAffinityFilter>(); }
std::unique_ptr<ScorePlugin> NewInterPodAffinityScore() { return std::make_unique<InterPodAffinityScore>(); }

}  // namespace gantry::scheduler::plugins
