// Node lifecycle for agent-managed nodes: a node whose agent has been silent
// for the grace period (40 s) turns Ready=Unknown and gets the
// node.kubernetes.io/unreachable taints (NoSchedule and NoExecute); pods
// that do not tolerate the NoExecute taint are deleted gracefully after
// their tolerationSeconds (300 s when they name none). When the agent speaks
// again the taints go. Nodes created as plain API objects are left alone.
#pragma once

#include <absl/time/time.h>

#include <thread>

#include "apiserver/agent_service.h"
#include "store/store.h"

namespace gantry::apiserver {

inline constexpr char kUnreachableTaint[] = "node.kubernetes.io/unreachable";

struct NodeLifecycleOptions {
  absl::Duration grace = absl::Seconds(40);
  absl::Duration period = absl::Seconds(5);
  int64_t default_toleration_seconds = 300;
};

class NodeLifecycle {
 public:
  NodeLifecycle(store::Store& store, const AgentService& agents, NodeLifecycleOptions options);
  ~NodeLifecycle();

  void Start();
  void Stop();

 private:
  // One pass over all agent-managed nodes; the thread runs it every period.
  void Reconcile(absl::Time now);
  void EvictIntolerant(const api::Node& node, absl::Time tainted_at, absl::Time now);

  store::Store& store_;
  const AgentService& agents_;
  const NodeLifecycleOptions options_;
  const absl::Time started_ = absl::Now();
  std::jthread thread_;
};

}  // namespace gantry::apiserver
