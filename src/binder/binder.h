// The binder: one thread that turns shard proposals into bindings. Each
// proposal is re-checked against the authoritative cluster state with the
// profile's filters for the chosen node (resources, host ports, node still
// schedulable, and inter-pod anti-affinity across nodes), assumed there at
// once so every shard's next snapshot sees it, and persisted (spec.nodeName
// plus PodScheduled=True) in one batched store commit per round. A rejected
// proposal goes back to the dispatcher as a conflict; a pod that changed or
// vanished meanwhile fails the commit's compare-and-swap and is never bound
// twice or bound after deletion. A gang is checked and assumed whole and its
// bindings persisted in one all-or-nothing group: a conflict or a failed
// write on any of its pods sends the whole gang back. A proposal with
// victims is checked as if they were gone, assumed (holding the room), and
// handed to the preemption executor; it is bound once they are gone.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "binder/preemption_executor.h"
#include "cluster/cluster_state.h"
#include "common/metrics.h"
#include "dispatcher/unit.h"
#include "scheduler/placement.h"
#include "store/event_recorder.h"
#include "store/store.h"

namespace gantry::binder {

class Binder final : public dispatcher::ProposalSink {
 public:
  // `events` gets a Scheduled Event for every pod bound.
  Binder(store::Store& store, cluster::ClusterState& cluster, const scheduler::Profile& profile,
         dispatcher::SchedulingFeedback& feedback, store::EventRecorder& events);
  ~Binder() override;

  void Start();
  void Stop();
  void Propose(dispatcher::Proposal proposal) override;

  // One round over the proposals given, on the calling thread (the binder
  // thread, or a test).
  void BindBatch(std::vector<dispatcher::Proposal> batch);

 private:
  void Run(std::stop_token stop);
  // A pod was deleted: wakes the binder if a preemptor waits for victims.
  void OnPodDeleted();
  // Checks and assumes every pod of the proposal on its node, or none.
  absl::Status AssumeAll(const dispatcher::Proposal& proposal);

  store::Store& store_;
  cluster::ClusterState& cluster_;
  const scheduler::Profile& profile_;
  dispatcher::SchedulingFeedback& feedback_;
  store::EventRecorder& events_;
  metrics::Gauge& depth_;
  PreemptionExecutor preemptions_;  // binder thread only

  std::mutex mu_;
  std::condition_variable_any ready_;
  std::vector<dispatcher::Proposal> queue_;
  bool victim_left_ = false;  // guarded by mu_
  std::atomic<bool> awaiting_victims_{false};
  std::jthread thread_;
};

}  // namespace gantry::binder
