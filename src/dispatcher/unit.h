// A unit of scheduling: what the dispatcher hands to one shard and what
// travels on to the binder. A lone pod, or the pending pods of a gang (a
// PodGroup with at least minMember pods), scheduled all-or-nothing.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/gang.h"
#include "core.pb.h"

namespace gantry::dispatcher {

// What the stages after the dispatcher need to know of a gang.
struct GangInfo {
  std::string name;  // "namespace/name", for explanations
  api::GangSpec spec;
  int32_t bound = 0;  // members already bound before this attempt
};

struct Unit {
  std::string key;  // the pod's "namespace/name", or the gang's key
  // One pod, or every pending member of the gang.
  std::vector<std::shared_ptr<const api::Pod>> pods;
  std::shared_ptr<const GangInfo> gang;  // null for a lone pod
  uint64_t seq = 0;  // arrival order; also tells a stale queue entry from a live one
  int attempts = 0;
  int conflicts = 0;
  absl::Time first_seen;

  const std::shared_ptr<const api::Pod>& pod() const { return pods.front(); }
};

// How the stages after the dispatcher report a unit's fate. Implemented by
// the dispatcher; called from shard and binder threads.
class SchedulingFeedback {
 public:
  virtual ~SchedulingFeedback() = default;
  // Persisted on its node(s).
  virtual void Bound(const Unit& unit) = 0;
  // No node fits; waits in backoff. `reason` is the kubectl-style explanation.
  virtual void Unschedulable(const Unit& unit, const std::string& reason) = 0;
  // The binder found a chosen node taken meanwhile; retried at once.
  virtual void Conflict(const Unit& unit) = 0;
  // A pod changed or vanished under the binder; the latest version (if
  // any) is queued again.
  virtual void Retry(const Unit& unit) = 0;
};

// A shard's choice for a unit, on its way to the binder: nodes[i] for
// pods[i], and the pods to preempt first to make room (empty when it fits).
struct Proposal {
  Unit unit;
  std::vector<std::string> nodes;
  std::vector<std::shared_ptr<const api::Pod>> victims;
};

class ProposalSink {
 public:
  virtual ~ProposalSink() = default;
  virtual void Propose(Proposal proposal) = 0;
};

// Tells users why a pod waits (its PodScheduled condition and an Event).
class PendingReasonSink {
 public:
  virtual ~PendingReasonSink() = default;
  virtual void Report(std::shared_ptr<const api::Pod> pod, std::string explanation) = 0;
};

}  // namespace gantry::dispatcher
