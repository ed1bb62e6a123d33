// A PodAffinityTerm made ready for matching: which pods it selects (label
// selector and namespaces) and the node label that defines its topology.
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "api/label_selector.h"
#include "core.pb.h"

namespace gantry::scheduler {

struct PodAffinityMatcher {
  api::LabelMatcher selector;
  bool selects_nothing = false;  // no labelSelector: Kubernetes matches no pod
  std::vector<std::string> namespaces;
  bool all_namespaces = false;  // namespaceSelector: {}
  std::string topology_key;
  int32_t weight = 1;

  // `owner` is the pod that carries the term: its namespace is the default.
  static absl::StatusOr<PodAffinityMatcher> From(const api::PodAffinityTerm& term, const api::Pod& owner,
                                                 int32_t weight = 1);
  bool Matches(const api::Pod& pod) const;
};

// The pod's required or preferred terms of podAffinity or podAntiAffinity;
// terms that cannot be compiled are reported, not skipped.
absl::StatusOr<std::vector<PodAffinityMatcher>> RequiredTerms(const api::PodAffinity& affinity, const api::Pod& owner);
absl::StatusOr<std::vector<PodAffinityMatcher>> PreferredTerms(const api::PodAffinity& affinity, const api::Pod& owner);

}  // namespace gantry::scheduler
