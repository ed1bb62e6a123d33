// Node lifecycle for agent-managed nodes: a node whose agent has been silent
// for the grace period (40 s) turns Ready=Unknown and gets the
// node.kubernetes.io/unreachable taints (NoSchedule and NoExecute); pods
// that do not tolerate the NoExecute taint are deleted gracefully after
// their tolerationSeconds (300 s when they name none). When the agent speaks
// again the taints go. Nodes created as plain API objects are left alone.
#pragma once

#include <absl/time/time.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "api/node_conditions.h"
#include "store/store.h"

namespace gantry::controllers {

inline constexpr char kUnreachableTaint[] = "node.kubernetes.io/unreachable";

struct NodeLifecycleOptions {
  absl::Duration grace = absl::Seconds(40);
  absl::Duration period = absl::Seconds(5);
  int64_t default_toleration_seconds = 300;
};

// When a node's agent last spoke (registered or heartbeat) to this server;
// nullopt if never since it started. The agent service knows.
using LastHeardFn = std::function<std::optional<absl::Time>(const std::string& node)>;

class NodeLifecycleController {
 public:
  NodeLifecycleController(store::Store& store, LastHeardFn last_heard, NodeLifecycleOptions options);
  ~NodeLifecycleController();

  void Start();
  void Stop();

 private:
  // One pass over all agent-managed nodes; the thread runs it every period.
  void Reconcile(absl::Time now);
  void EvictIntolerant(const api::Node& node, absl::Time tainted_at, absl::Time now);

  store::Store& store_;
  const LastHeardFn last_heard_;
  const NodeLifecycleOptions options_;
  const absl::Time started_ = absl::Now();
  std::jthread thread_;
};

}  // namespace gantry::controllers
