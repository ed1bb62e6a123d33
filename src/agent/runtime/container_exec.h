// Runs a command inside a running container, as `kubectl exec` and exec
// probes and hooks need: in the container's cgroup, its network, IPC, UTS, mount and
// PID namespaces, with its environment, its output captured, ended by
// SIGKILL at the timeout.
//
// It forks the calling (multi-threaded) agent: the child makes only
// async-signal-safe calls, everything it needs built before the fork.
#pragma once

#include <absl/status/statusor.h>
#include <absl/time/time.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace gantry::agent {

struct ExecRequest {
  pid_t container_pid = 0;  // its namespaces and environment are used
  std::vector<std::string> argv;
  std::vector<std::string> cgroup_procs;  // files the command joins through
  std::string working_dir;
  absl::Duration timeout = absl::Seconds(1);
  size_t max_output = 10 << 10;  // bytes of stdout and stderr kept
};

struct ExecResult {
  int exit_code = 0;
  bool timed_out = false;
  std::string output;
};

absl::StatusOr<ExecResult> ExecInContainer(const ExecRequest& request);

}  // namespace gantry::agent
