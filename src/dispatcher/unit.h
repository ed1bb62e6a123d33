// A unit of scheduling: what the dispatcher hands to one shard and what
// travels on to the binder. One pod for now; PodGroups will make units of
// several pods scheduled all-or-nothing.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core.pb.h"

namespace gantry::dispatcher {

struct Unit {
  std::string key;  // "namespace/name"
  std::shared_ptr<const api::Pod> pod;
  uint64_t seq = 0;  // arrival order; also tells a stale queue entry from a live one
  int attempts = 0;
  int conflicts = 0;
  absl::Time first_seen;
};

// How the stages after the dispatcher report a unit's fate. Implemented by
// the dispatcher; called from shard and binder threads.
class SchedulingFeedback {
 public:
  virtual ~SchedulingFeedback() = default;
  // Persisted on its node.
  virtual void Bound(const Unit& unit) = 0;
  // No node fits; waits in backoff. `reason` is the kubectl-style explanation.
  virtual void Unschedulable(const Unit& unit, const std::string& reason) = 0;
  // The binder found the chosen node taken meanwhile; retried at once.
  virtual void Conflict(const Unit& unit) = 0;
  // The pod changed or vanished under the binder; the latest version (if
  // any) is queued again.
  virtual void Retry(const Unit& unit) = 0;
};

// A shard's choice for a unit, on its way to the binder.
struct Proposal {
  Unit unit;
  std::string node;
};

class ProposalSink {
 public:
  virtual ~ProposalSink() = default;
  virtual void Propose(Proposal proposal) = 0;
};

}  // namespace gantry::dispatcher
