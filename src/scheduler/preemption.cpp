#include "scheduler/preemption.h"

#include <absl/container/flat_hash_set.h>
#include <absl/time/time.h>

#include <algorithm>
#include <limits>
#include <tuple>

#include "api/gang.h"
#include "common/time_format.h"

namespace gantry::scheduler {
namespace {

// The pods that go or stay together: a lone pod, or every member of a gang.
struct VictimGroup {
  std::vector<Victim> members;  // all of them, on any node
  bool gang = false;
  int32_t priority = 0;  // the highest among its members
  absl::Time started = absl::InfiniteFuture();  // the earliest among its members
};

absl::Time StartOf(const api::Pod& pod) {
  const std::string& t = pod.status().start_time().empty() ? pod.metadata().creation_timestamp()
                                                           : pod.status().start_time();
  auto parsed = ParseRfc3339(t);
  return parsed ? *parsed : absl::InfinitePast();
}

std::string GangKeyOf(const api::Pod& pod) {
  auto ref = api::GangOf(pod);
  return ref ? ref->Key(pod.metadata().namespace_()) : "";
}

// The groups that may be evicted from `node` for a preemptor of `priority`:
// its lower-priority lone pods, and the gangs with a member there whose
// members are all of lower priority.
std::vector<VictimGroup> GroupsOn(const cluster::NodeTable& nodes, uint32_t node, int32_t priority,
                                  GangMembers& gangs) {
  std::vector<VictimGroup> groups;
  absl::flat_hash_set<std::string> seen_gangs;
  for (const auto& pod : nodes.pods(node)) {
    if (PriorityOf(*pod) >= priority) continue;
    std::string gang = GangKeyOf(*pod);
    VictimGroup group;
    if (gang.empty()) {
      auto usage = cluster::PodUsageOf(pod);
      if (!usage.ok()) continue;
      group.members.push_back({*std::move(usage), node});
    } else {
      if (!seen_gangs.insert(gang).second) continue;
      group.gang = true;
      group.members = gangs.Of(gang);
      bool all_lower = std::all_of(group.members.begin(), group.members.end(),
                                   [&](const Victim& v) { return PriorityOf(*v.usage.pod) < priority; });
      if (!all_lower) continue;
    }
    group.priority = std::numeric_limits<int32_t>::min();
    for (const Victim& v : group.members) {
      group.priority = std::max(group.priority, PriorityOf(*v.usage.pod));
      group.started = std::min(group.started, StartOf(*v.usage.pod));
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

void Lift(cluster::NodeTable& nodes, const VictimGroup& group, uint32_t node) {
  for (const Victim& v : group.members) {
    if (v.node == node) nodes.RemovePodUntracked(node, v.usage);
  }
}

void Restore(cluster::NodeTable& nodes, const VictimGroup& group, uint32_t node) {
  for (const Victim& v : group.members) {
    if (v.node == node) nodes.AddPodUntracked(node, v.usage);
  }
}

struct Cost {
  int gangs_broken = 0;
  int32_t max_priority = std::numeric_limits<int32_t>::min();
  int64_t priority_sum = 0;
  size_t victims = 0;
  absl::Time earliest_start = absl::InfiniteFuture();

  // Fewer gangs broken, then lower priorities, fewer victims, and the
  // latest start (a start may be unknown: InfinitePast, never negated).
  bool BetterThan(const Cost& other) const {
    auto key = [](const Cost& c) { return std::make_tuple(c.gangs_broken, c.max_priority, c.priority_sum, c.victims); };
    if (key(*this) != key(other)) return key(*this) < key(other);
    return earliest_start > other.earliest_start;
  }
};

}  // namespace

bool MayPreempt(const api::Pod& pod) { return pod.spec().preemption_policy() != "Never"; }

int32_t PriorityOf(const api::Pod& pod) { return pod.spec().has_priority() ? pod.spec().priority() : 0; }

const std::vector<Victim>& GangMembers::Of(const std::string& key) {
  if (!indexed_) {
    indexed_ = true;
    for (uint32_t n = 0; n < nodes_.size(); ++n) {
      for (const auto& pod : nodes_.pods(n)) {
        std::string gang = GangKeyOf(*pod);
        if (gang.empty()) continue;
        auto usage = cluster::PodUsageOf(pod);
        if (usage.ok()) members_[gang].push_back({*std::move(usage), n});
      }
    }
  }
  return members_[key];
}

std::optional<PreemptionPlan> FindPreemption(const Profile& profile, const PodInfo& preemptor,
                                             cluster::NodeTable& nodes, absl::Span<const uint32_t> candidates,
                                             GangMembers& gangs) {
  const int32_t priority = PriorityOf(*preemptor.pod);
  std::optional<PreemptionPlan> best;
  Cost best_cost;
  for (uint32_t node : candidates) {
    std::vector<VictimGroup> groups = GroupsOn(nodes, node, priority, gangs);
    if (groups.empty()) continue;
    for (const VictimGroup& g : groups) Lift(nodes, g, node);
    if (!CheckNode(profile, preemptor, nodes, node).ok()) {
      for (const VictimGroup& g : groups) Restore(nodes, g, node);
      continue;
    }
    // Give back while the preemptor still fits: gangs first (breaking one
    // costs the most), then the most important (highest priority, then the
    // longest running).
    std::sort(groups.begin(), groups.end(), [](const VictimGroup& a, const VictimGroup& b) {
      if (a.gang != b.gang) return a.gang;
      return a.priority != b.priority ? a.priority > b.priority : a.started < b.started;
    });
    std::vector<const VictimGroup*> evicted;
    for (const VictimGroup& g : groups) {
      Restore(nodes, g, node);
      if (!CheckNode(profile, preemptor, nodes, node).ok()) {
        Lift(nodes, g, node);
        evicted.push_back(&g);
      }
    }
    for (const VictimGroup* g : evicted) Restore(nodes, *g, node);
    Cost cost;
    size_t total = 0;
    for (const VictimGroup* g : evicted) {
      cost.gangs_broken += g->gang ? 1 : 0;
      cost.max_priority = std::max(cost.max_priority, g->priority);
      for (const Victim& v : g->members) cost.priority_sum += PriorityOf(*v.usage.pod);
      total += g->members.size();
      cost.earliest_start = std::min(cost.earliest_start, g->started);
    }
    cost.victims = total;
    if (best && !cost.BetterThan(best_cost)) continue;
    PreemptionPlan plan{node, {}};
    plan.victims.reserve(total);
    for (const VictimGroup* g : evicted) plan.victims.insert(plan.victims.end(), g->members.begin(), g->members.end());
    best = std::move(plan);
    best_cost = cost;
  }
  return best;
}

void LiftVictims(cluster::NodeTable& nodes, const std::vector<Victim>& victims) {
  for (const Victim& v : victims) nodes.RemovePodUntracked(v.node, v.usage);
}

void RestoreVictims(cluster::NodeTable& nodes, const std::vector<Victim>& victims) {
  for (const Victim& v : victims) nodes.AddPodUntracked(v.node, v.usage);
}

}  // namespace gantry::scheduler
