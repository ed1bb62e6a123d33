// The simulated runtime for hollow nodes: a pod bound to one of them is
// reported Running at once, and a deleted one is confirmed stopped at once.
// No process, no cgroup: it stands in for thousands of nodes in benches.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <mutex>

#include "agent/runtime/pod_runtime.h"

namespace gantry::agent {

class SimulatedRuntime final : public PodRuntime {
 public:
  explicit SimulatedRuntime(PodStatusSink& sink) : sink_(sink) {}

  void Apply(const api::Pod& pod) override;
  void Remove(const std::string& uid) override;
  void Retain(const std::vector<std::string>& uids) override;

 private:
  PodStatusSink& sink_;
  std::mutex mu_;
  absl::flat_hash_set<std::string> running_;  // uids reported Running
};

}  // namespace gantry::agent
