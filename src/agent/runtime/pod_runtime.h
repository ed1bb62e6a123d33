// What the agent asks of a runtime: run the pods bound to this node, stop
// them, and tell it how they are doing. The process runtime runs real
// processes; a simulated runtime (for hollow nodes in benches) will sit
// behind the same interface.
#pragma once

#include <string>
#include <vector>

#include "core.pb.h"

namespace gantry::agent {

// Where a runtime's reports go (the agent sends them to the server).
class PodStatusSink {
 public:
  virtual ~PodStatusSink() = default;
  virtual void StatusChanged(const api::Pod& pod, const api::PodStatus& status) = 0;
  // Every process of a pod being deleted is gone.
  virtual void Stopped(const api::Pod& pod) = 0;
  // Something the node saw happen to the pod, for an Event about it (type Normal or Warning).
  virtual void Event(const api::Pod& pod, const std::string& type, const std::string& reason,
                     const std::string& message) = 0;
};


class PodRuntime {
 public:
  virtual ~PodRuntime() = default;
  // A new or changed pod bound to this node; a deletionTimestamp starts
  // graceful termination.
  virtual void Apply(const api::Pod& pod) = 0;
  // The pod is gone from the server: stop it at once.
  virtual void Remove(const std::string& uid) = 0;
  // After a full resync: stop every pod whose uid is not listed.
  virtual void Retain(const std::vector<std::string>& uids) = 0;
};

}  // namespace gantry::agent
