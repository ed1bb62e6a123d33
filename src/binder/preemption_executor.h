// Carries out the preemptions shards propose, after the binder has checked
// and assumed the preemptor on its node (that assumption is what holds the
// freed room: no other pod can take it). In order: the preemptor gets
// status.nominatedNodeName; each victim gets the DisruptionTarget condition
// (reason PreemptionByScheduler), an Event naming the preemptor, and a
// graceful deletion. The preemptor waits until every victim is gone, then
// is bound; after 60 s it is released and sent back to the dispatcher.
#pragma once

#include <absl/time/time.h>

#include <string>
#include <vector>

#include "cluster/cluster_state.h"
#include "dispatcher/unit.h"
#include "store/store.h"

namespace gantry::binder {

inline constexpr absl::Duration kPreemptionHold = absl::Seconds(60);

class PreemptionExecutor {
 public:
  PreemptionExecutor(store::Store& store, cluster::ClusterState& cluster, dispatcher::SchedulingFeedback& feedback);

  // Nominates and evicts; the proposal then waits for its victims.
  void Begin(dispatcher::Proposal proposal);
  // The waiting proposals whose victims are all gone, now ready to bind
  // (their pods as nominated); those held too long are released.
  std::vector<dispatcher::Proposal> TakeReady(absl::Time now);
  bool waiting() const { return !waiting_.empty(); }
  // When the first hold runs out (InfiniteFuture when none waits).
  absl::Time NextDeadline() const;

 private:
  struct VictimRef {
    std::string namespace_;
    std::string name;
    std::string uid;
  };
  struct Waiting {
    dispatcher::Proposal proposal;
    std::vector<VictimRef> victims;
    absl::Time deadline;
  };

  // Sets nominatedNodeName on every pod of the proposal, all or none; the
  // pods are replaced by the written versions.
  absl::Status Nominate(dispatcher::Proposal& proposal);
  void Evict(const dispatcher::Proposal& proposal);
  bool Gone(const VictimRef& victim) const;
  void Release(const dispatcher::Proposal& proposal);

  store::Store& store_;
  cluster::ClusterState& cluster_;
  dispatcher::SchedulingFeedback& feedback_;
  std::vector<Waiting> waiting_;  // the binder thread's own
};

}  // namespace gantry::binder
