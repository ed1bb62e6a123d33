#include "scheduler/shard.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "common/log_format.h"
#include "dispatcher/pipeline_metrics.h"
#include "scheduler/gang_placement.h"
#include "scheduler/preemption.h"

namespace gantry::scheduler {
namespace {

// One attempt in this many records per-plugin time: reading the clock
// around every filter call would cost more than some filters.
constexpr uint64_t kTimingSampleEvery = 32;

}  // namespace

Shard::Shard(int index, const Profile& profile, Links links)
    : index_(index),
      profile_(profile),
      links_(links),
      scheduled_(dispatcher::Metrics().shard_scheduled.WithLabels({absl::StrCat(index)})) {}

Shard::~Shard() { Stop(); }

void Shard::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void Shard::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void Shard::Run(std::stop_token stop) {
  while (auto unit = links_.queue.Pop(stop)) Schedule(*unit);
}

void Shard::Repartition() {
  const cluster::NodeTable& nodes = snapshot_.nodes;
  own_.clear();
  others_.clear();
  all_.clear();
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    (nodes.partition(i) == index_ ? own_ : others_).push_back(i);
    all_.push_back(i);
  }
  partitioned_epoch_ = nodes.static_epoch();
  classes_.Validate(partitioned_epoch_);
}

void Shard::Schedule(const dispatcher::Unit& unit) {
  links_.cluster.Refresh(snapshot_);
  const cluster::NodeTable& nodes = snapshot_.nodes;
  if (nodes.static_epoch() != partitioned_epoch_) Repartition();
  if (unit.gang != nullptr) {
    ScheduleGang(unit);
    return;
  }

  auto info = PodInfo::From(unit.pod());
  if (!info.ok()) {
    RejectMalformed(unit, info.status());
    return;
  }

  std::string cls = EquivalenceCache::ClassOf(info->spec());
  const EquivalenceCache::Entry* feasible = classes_.Find(cls);
  if (feasible == nullptr) {
    feasible = &classes_.Insert(cls, {NodeStaticFeasible(profile_, *info, nodes, own_),
                                      NodeStaticFeasible(profile_, *info, nodes, others_)});
  }

  PluginTimes times;
  bool sample = ++attempts_ % kTimingSampleEvery == 0;
  PlaceOptions options{.primary = feasible->own,
                       .secondary = feasible->others,
                       .start = rotation_,
                       .skip_node_static = true,
                       .times = sample ? &times : nullptr};
  Placement placement = Place(profile_, *info, nodes, options);
  rotation_ += placement.evaluated;
  if (sample) ObservePluginTimes(times);

  if (!placement.node) {
    // The cached lists hide why the other nodes failed: explain over all.
    Placement full = Place(profile_, *info, nodes, all_);
    if (full.node) {
      placement = full;  // only if the cache was wrong; never expected
      spdlog::warn("scheduler shard {}: equivalence cache missed a feasible node for {}", index_, unit.key);
    } else {
      if (MayPreempt(*unit.pod()) && TryPreempt(unit, *info, *feasible)) return;
      links_.reporter.Report(unit.pod(), full.explanation);
      links_.feedback.Unschedulable(unit, full.explanation);
      return;
    }
  }
  scheduled_.Inc();
  // Until the binder's assumption reaches the snapshot, count the pod here
  // too, or the next pods would see the node as it was and conflict.
  snapshot_.nodes.AddPodUntracked(*placement.node, {info->requests, info->host_ports, unit.pod()});
  links_.binder.Propose({unit, {nodes.name(*placement.node)}, {}});
}

bool Shard::TryPreempt(const dispatcher::Unit& unit, const PodInfo& info, const EquivalenceCache::Entry& feasible) {
  std::vector<uint32_t> candidates(feasible.own.begin(), feasible.own.end());
  candidates.insert(candidates.end(), feasible.others.begin(), feasible.others.end());
  GangMembers gangs(snapshot_.nodes);
  auto plan = FindPreemption(profile_, info, snapshot_.nodes, candidates, gangs);
  if (!plan) return false;
  // The preemptor holds the room in this snapshot; the victims stay
  // charged until they are gone.
  snapshot_.nodes.AddPodUntracked(plan->node, {info.requests, info.host_ports, unit.pod()});
  dispatcher::Metrics().preemptions.Inc();
  dispatcher::Proposal proposal{unit, {snapshot_.nodes.name(plan->node)}, {}};
  for (const Victim& v : plan->victims) proposal.victims.push_back(v.usage.pod);
  links_.binder.Propose(std::move(proposal));
  return true;
}

void Shard::RejectMalformed(const dispatcher::Unit& unit, const absl::Status& why) {
  dispatcher::Metrics().attempts.WithLabels({"error"}).Inc();
  std::string text = absl::StrCat("pod cannot be scheduled: ", why.message());
  for (const auto& pod : unit.pods) links_.reporter.Report(pod, text);
  links_.feedback.Unschedulable(unit, text);
}

void Shard::ScheduleGang(const dispatcher::Unit& unit) {
  std::vector<PodInfo> infos;
  infos.reserve(unit.pods.size());
  for (const auto& pod : unit.pods) {
    auto info = PodInfo::From(pod);
    if (!info.ok()) {
      RejectMalformed(unit, info.status());
      return;
    }
    infos.push_back(*std::move(info));
  }
  // The placements stay charged to the snapshot until the binder's
  // assumptions reach it, as for single pods.
  GangPlacement placed = PlaceGang(profile_, infos, *unit.gang, snapshot_.nodes,
                                   {.own = own_, .others = others_, .rotation = &rotation_});
  if (placed.nodes.empty()) {
    if (TryPreemptForGang(unit, infos)) return;
    for (const auto& pod : unit.pods) links_.reporter.Report(pod, placed.explanation);
    links_.feedback.Unschedulable(unit, placed.explanation);
    return;
  }
  scheduled_.Inc();
  dispatcher::Proposal proposal{unit, {}, {}};
  proposal.nodes.reserve(placed.nodes.size());
  for (uint32_t n : placed.nodes) proposal.nodes.push_back(snapshot_.nodes.name(n));
  links_.binder.Propose(std::move(proposal));
}

void Shard::ObservePluginTimes(const PluginTimes& times) {
  auto& family = dispatcher::Metrics().plugin_seconds;
  for (size_t i = 0; i < profile_.filters.size(); ++i) {
    if (times.filters[i] > 0) family.WithLabels({std::string(profile_.filters[i]->name()), "filter"}).Observe(times.filters[i]);
  }
  for (size_t i = 0; i < profile_.scores.size(); ++i) {
    if (times.scores[i] > 0) family.WithLabels({std::string(profile_.scores[i].plugin->name()), "score"}).Observe(times.scores[i]);
  }
}

bool Shard::TryPreemptForGang(const dispatcher::Unit& unit, const std::vector<PodInfo>& infos) {
  // Job-level affinity is not weighed against victims: such gangs wait.
  if (!unit.gang->spec.required_topology_keys.empty()) return false;
  for (const auto& pod : unit.pods) {
    if (!MayPreempt(*pod)) return false;
  }
  cluster::NodeTable& nodes = snapshot_.nodes;
  GangMembers gangs(nodes);
  std::vector<uint32_t> chosen;
  std::vector<Victim> victims;
  // Every victim for every pod is chosen before any is evicted: each pod
  // sees the nodes as the earlier pods and their victims left them.
  bool complete = true;
  for (const PodInfo& info : infos) {
    Placement p = Place(profile_, info, nodes, PlaceOptions{.primary = own_, .secondary = others_});
    std::optional<uint32_t> node = p.node;
    if (!node) {
      auto plan = FindPreemption(profile_, info, nodes, all_, gangs);
      if (!plan) {
        complete = false;
        break;
      }
      LiftVictims(nodes, plan->victims);
      victims.insert(victims.end(), plan->victims.begin(), plan->victims.end());
      node = plan->node;
    }
    nodes.AddPodUntracked(*node, {info.requests, info.host_ports, info.pod});
    chosen.push_back(*node);
  }
  RestoreVictims(nodes, victims);
  if (!complete || victims.empty()) {
    for (size_t i = 0; i < chosen.size(); ++i) {
      nodes.RemovePodUntracked(chosen[i], {infos[i].requests, infos[i].host_ports, infos[i].pod});
    }
    return false;
  }
  dispatcher::Metrics().preemptions.Inc();
  dispatcher::Proposal proposal{unit, {}, {}};
  for (uint32_t n : chosen) proposal.nodes.push_back(nodes.name(n));
  for (const Victim& v : victims) proposal.victims.push_back(v.usage.pod);
  links_.binder.Propose(std::move(proposal));
  return true;
}

}  // namespace gantry::scheduler
