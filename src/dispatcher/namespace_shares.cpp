#include "dispatcher/namespace_shares.h"

#include <algorithm>

namespace gantry::dispatcher {

void NamespaceShares::SetNode(const std::string& node, const cluster::ResourceVector& allocatable) {
  RemoveNode(node);
  nodes_[node] = allocatable;
  capacity_.Add(allocatable);
}

void NamespaceShares::RemoveNode(const std::string& node) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return;
  capacity_.Subtract(it->second);
  nodes_.erase(it);
}

void NamespaceShares::Charge(const std::string& pod_key, const std::string& namespace_,
                             const cluster::ResourceVector& requests) {
  Release(pod_key);
  pods_[pod_key] = {namespace_, requests};
  used_[namespace_].Add(requests);
}

void NamespaceShares::Release(const std::string& pod_key) {
  auto it = pods_.find(pod_key);
  if (it == pods_.end()) return;
  used_[it->second.namespace_].Subtract(it->second.requests);
  pods_.erase(it);
}

double NamespaceShares::DominantShare(const std::string& namespace_) const {
  auto it = used_.find(namespace_);
  if (it == used_.end()) return 0;
  double share = 0;
  for (int r = 0; r < cluster::ResourceSlotsInUse(); ++r) {
    if (capacity_[r] <= 0) continue;
    share = std::max(share, static_cast<double>(it->second[r]) / static_cast<double>(capacity_[r]));
  }
  return share;
}

}  // namespace gantry::dispatcher
