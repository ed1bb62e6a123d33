// The node agent: joins a server with its token (pinning the server's CA),
// registers this machine as a Node, heartbeats, follows the pods bound to
// it over one resumable stream, runs them with the process runtime, and
// reports their status. Runs until SIGTERM or SIGINT; running containers
// are left running and adopted by the next start.
#pragma once

#include <absl/time/time.h>

#include <absl/status/statusor.h>

#include <memory>
#include <string>

#include "agent/machine.h"
#include "agent/qos/qos_options.h"
#include "agent/runtime/shim_spawner.h"

namespace gantry::agent {

struct AgentOptions {
  std::string server_url;
  std::string token;
  NodeSettings node;
  absl::Duration heartbeat = absl::Seconds(10);
  // > 0: register this many hollow nodes from `node_template` instead of the
  // machine, and run their pods with the simulated runtime.
  int simulate = 0;
  std::string node_template;
  qos::QosOptions qos;
};

class Agent {
 public:
  // Joins, registers and starts the agent's threads. PermissionDenied or
  // Unauthenticated when the server refuses the join.
  // `spawner` (forked early, see shim_spawner.h) must outlive the agent.
  static absl::StatusOr<std::unique_ptr<Agent>> Start(const AgentOptions& options, ShimSpawner& spawner);
  ~Agent();
  // Stops following and reporting; containers keep running for the next start.
  void Stop();

 private:
  struct Parts;
  explicit Agent(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// `gantry agent`: forks the shim zygote, Start, then waits for SIGTERM or
// SIGINT. Call while the process is single-threaded. Returns the
// process exit code: 1 when joining is refused (wrong secret, CA mismatch)
// or fails, 2 for bad options.
int RunAgent(const AgentOptions& options);

}  // namespace gantry::agent
