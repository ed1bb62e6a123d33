// Starts container shims from a small single-threaded helper process (a
// zygote) forked at startup, before any thread or large allocation exists.
// Forking shims straight from the running agent was measured at ~22 ms of
// agent CPU per container: every page the multi-threaded agent wrote after
// a fork was copied and TLB-flushed while hundreds of shims still shared it.
// The zygote writes almost nothing, so its forks stay cheap, and being
// single-threaded it may fork without an exec safely.
#pragma once

#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <sys/types.h>

#include <memory>

#include "agent/runtime/container_shim.h"

namespace gantry::agent {

class ShimSpawner {
 public:
  // Forks the zygote; call while the process has a single thread.
  static absl::StatusOr<std::unique_ptr<ShimSpawner>> Fork();
  ~ShimSpawner();  // the zygote exits when its socket closes

  // The shim's pid (a child of the zygote, reaped by it; watch it with a pidfd).
  absl::StatusOr<pid_t> Spawn(const ShimSpec& spec);

 private:
  ShimSpawner(int socket, pid_t zygote) : socket_(socket), zygote_(zygote) {}

  absl::Mutex mu_;  // one request and reply at a time on the socket
  const int socket_;
  const pid_t zygote_;
};

}  // namespace gantry::agent
