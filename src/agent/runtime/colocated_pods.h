// What the colocation loop needs of the runtime that runs the pods: where
// each pod's cgroup is, and a way to evict one. The process runtime
// implements it; a CRI runtime will too.
#pragma once

#include <string>

namespace gantry::agent {

class ColocatedPods {
 public:
  virtual ~ColocatedPods() = default;
  // The pod's cgroup below gantry's; empty when the node refused the pod.
  virtual std::string GroupOf(const std::string& uid) = 0;
  // Kills the pod's containers for good: it ends Failed with reason Evicted,
  // a DisruptionTarget condition and `message`.
  virtual void Evict(const std::string& uid, const std::string& message) = 0;
};

}  // namespace gantry::agent
