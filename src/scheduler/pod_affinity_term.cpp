#include "scheduler/pod_affinity_term.h"

#include <algorithm>

namespace gantry::scheduler {

absl::StatusOr<PodAffinityMatcher> PodAffinityMatcher::From(const api::PodAffinityTerm& term, const api::Pod& owner,
                                                            int32_t weight) {
  PodAffinityMatcher m;
  m.topology_key = term.topology_key();
  m.weight = weight;
  if (term.has_label_selector()) {
    auto selector = api::LabelMatcher::FromProto(term.label_selector());
    if (!selector.ok()) return selector.status();
    m.selector = *std::move(selector);
  } else {
    m.selects_nothing = true;
  }
  m.namespaces.assign(term.namespaces().begin(), term.namespaces().end());
  // Namespace labels are not part of the scheduling state: an empty
  // namespaceSelector (every namespace) is honoured, a non-empty one falls
  // back to the listed namespaces.
  const auto& ns_selector = term.namespace_selector();
  if (term.has_namespace_selector() && ns_selector.match_labels().empty() &&
      ns_selector.match_expressions().empty()) {
    m.all_namespaces = true;
  }
  if (m.namespaces.empty() && !m.all_namespaces) m.namespaces.push_back(owner.metadata().namespace_());
  return m;
}

bool PodAffinityMatcher::Matches(const api::Pod& pod) const {
  if (selects_nothing) return false;
  if (!all_namespaces &&
      std::find(namespaces.begin(), namespaces.end(), pod.metadata().namespace_()) == namespaces.end()) {
    return false;
  }
  return selector.Matches(pod.metadata().labels());
}

absl::StatusOr<std::vector<PodAffinityMatcher>> RequiredTerms(const api::PodAffinity& affinity,
                                                              const api::Pod& owner) {
  std::vector<PodAffinityMatcher> out;
  for (const auto& term : affinity.required_during_scheduling_ignored_during_execution()) {
    auto m = PodAffinityMatcher::From(term, owner);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return out;
}

absl::StatusOr<std::vector<PodAffinityMatcher>> PreferredTerms(const api::PodAffinity& affinity,
                                                               const api::Pod& owner) {
  std::vector<PodAffinityMatcher> out;
  for (const auto& weighted : affinity.preferred_during_scheduling_ignored_during_execution()) {
    auto m = PodAffinityMatcher::From(weighted.pod_affinity_term(), owner, weighted.weight());
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return out;
}

}  // namespace gantry::scheduler
