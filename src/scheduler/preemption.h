// Preemption: when a pod does not fit, find the node where evicting pods
// of strictly lower priority makes room, and the fewest and least
// important such pods there. As kube-scheduler's DefaultPreemption, per
// node: take away every lower-priority pod, check the preemptor fits, then
// give back pods while it still fits, gangs first, then the most important
// ones. Gang-aware: a
// victim that belongs to a gang takes its whole gang with it (members on
// other nodes too), so no gang is left running below minMember, and that
// whole cost counts when candidates are ranked:
//   fewest gangs broken, then the lowest highest-victim priority, then the
//   lowest sum of victim priorities, then the fewest victims, then the
//   latest start among the victims.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/types/span.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/placement.h"

namespace gantry::scheduler {

struct Victim {
  cluster::PodUsage usage;  // usage.pod is the pod
  uint32_t node = 0;
};

struct PreemptionPlan {
  uint32_t node = 0;
  std::vector<Victim> victims;
};

// The bound members of every gang in a table, indexed on first use (only
// preemption needs it).
class GangMembers {
 public:
  explicit GangMembers(const cluster::NodeTable& nodes) : nodes_(nodes) {}
  // Every pod of the gang `key` on any node.
  const std::vector<Victim>& Of(const std::string& key);

 private:
  const cluster::NodeTable& nodes_;
  bool indexed_ = false;
  absl::flat_hash_map<std::string, std::vector<Victim>> members_;
};

// False for pods whose preemptionPolicy is Never.
bool MayPreempt(const api::Pod& pod);
int32_t PriorityOf(const api::Pod& pod);

// The best plan over `candidates` for `preemptor`, or nullopt. `nodes` is
// used as scratch and left as it was.
std::optional<PreemptionPlan> FindPreemption(const Profile& profile, const PodInfo& preemptor,
                                             cluster::NodeTable& nodes, absl::Span<const uint32_t> candidates,
                                             GangMembers& gangs);

// Takes a plan's victims off `nodes` (untracked), or puts them back.
void LiftVictims(cluster::NodeTable& nodes, const std::vector<Victim>& victims);
void RestoreVictims(cluster::NodeTable& nodes, const std::vector<Victim>& victims);

}  // namespace gantry::scheduler
