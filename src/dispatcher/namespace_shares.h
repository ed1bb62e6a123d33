// What each namespace holds of the cluster, for fair-share ordering: the
// requests of its bound and in-flight pods against the summed allocatable of
// all nodes. A namespace's dominant share is its largest fraction over the
// resources (Dominant Resource Fairness).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>

#include <string>

#include "cluster/resource_vector.h"

namespace gantry::dispatcher {

class NamespaceShares {
 public:
  void SetNode(const std::string& node, const cluster::ResourceVector& allocatable);
  void RemoveNode(const std::string& node);

  // Idempotent per pod key: charging again replaces the earlier charge.
  void Charge(const std::string& pod_key, const std::string& namespace_, const cluster::ResourceVector& requests);
  void Release(const std::string& pod_key);

  double DominantShare(const std::string& namespace_) const;
  // Allocatable summed over every node.
  const cluster::ResourceVector& capacity() const { return capacity_; }

 private:
  struct Held {
    std::string namespace_;
    cluster::ResourceVector requests;
  };
  absl::flat_hash_map<std::string, cluster::ResourceVector> nodes_;
  cluster::ResourceVector capacity_;
  // One entry per bound pod: node-based, so growing the table past 100,000s
  // of pods moves pointers instead of faulting in a new table of slots
  // under the dispatcher's lock (that stalled scheduling for seconds).
  absl::node_hash_map<std::string, Held> pods_;
  absl::flat_hash_map<std::string, cluster::ResourceVector> used_;
};

}  // namespace gantry::dispatcher
