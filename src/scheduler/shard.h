// One scheduler shard: a thread that takes units from its dispatcher queue,
// refreshes its private snapshot of the cluster state (only changed rows),
// tries the nodes of its own partition first and the others only when none
// of its own fits, and proposes the best node to the binder, or reports the
// unit unschedulable with kube-scheduler's explanation. No lock is held
// while it filters and scores.
#pragma once

#include <cstdint>
#include <thread>
#include <vector>

#include "cluster/cluster_state.h"
#include "cluster/snapshot.h"
#include "common/metrics.h"
#include "dispatcher/shard_queue.h"
#include "dispatcher/unit.h"
#include "scheduler/equivalence_cache.h"
#include "scheduler/placement.h"
#include "scheduler/unschedulable_reporter.h"

namespace gantry::scheduler {

class Shard {
 public:
  struct Links {
    cluster::ClusterState& cluster;
    dispatcher::ShardQueue& queue;
    dispatcher::ProposalSink& binder;
    dispatcher::SchedulingFeedback& feedback;
    UnschedulableReporter& reporter;
  };

  Shard(int index, const Profile& profile, Links links);
  ~Shard();

  void Start();
  void Stop();

  // One unit, start to finish, on the calling thread (the shard thread, or
  // a test).
  void Schedule(const dispatcher::Unit& unit);

 private:
  void Run(std::stop_token stop);
  // Re-splits the snapshot's nodes into own and other partitions.
  void Repartition();
  void ObservePluginTimes(const PluginTimes& times);
  // A gang, all its pods in this one snapshot, or none.
  void ScheduleGang(const dispatcher::Unit& unit);
  // Preemption for a pod (or a gang) that fits nowhere: proposes the
  // placement with its victims; false when no plan makes room.
  bool TryPreempt(const dispatcher::Unit& unit, const PodInfo& info, const EquivalenceCache::Entry& feasible);
  bool TryPreemptForGang(const dispatcher::Unit& unit, const std::vector<PodInfo>& infos);
  // A pod whose spec the scheduler cannot read: reported, and backed off.
  void RejectMalformed(const dispatcher::Unit& unit, const absl::Status& why);

  const int index_;
  const Profile& profile_;
  Links links_;
  cluster::Snapshot snapshot_;
  uint64_t partitioned_epoch_ = UINT64_MAX;
  std::vector<uint32_t> own_;
  std::vector<uint32_t> others_;
  std::vector<uint32_t> all_;
  EquivalenceCache classes_;
  size_t rotation_ = 0;
  uint64_t attempts_ = 0;
  metrics::Counter& scheduled_;
  std::jthread thread_;
};

}  // namespace gantry::scheduler
