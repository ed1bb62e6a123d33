// The container shim: `gantry shim --spec FILE`, started by the process
// runtime once per container start. It leaves the agent's session, enters
// the pod's cgroup and new PID, mount, UTS and IPC namespaces (unless the pod
// shares the host's), execs the container with its output appended to the
// log file, waits for it and records how it ended. Because the shim, not the
// agent, is the container's parent, an agent restart (even kill -9) leaves
// containers running and their exit codes still known.
#pragma once

#include <absl/status/statusor.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gantry::agent {

struct ShimSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir;
  std::string log_path;
  std::vector<std::string> cgroup_procs;  // files the container joins through
  bool new_namespaces = true;
  std::string hostname;
  std::string state_path;  // written by the shim: {"shimPid","shimStart","pid","startedAt"}
  std::string exit_path;   // written by the shim when the container ends: {"exitCode","signal","finishedAt"}
};

struct ShimState {
  pid_t shim_pid = 0;
  uint64_t shim_start = 0;  // /proc/<pid>/stat start time, against pid reuse
  pid_t pid = 0;            // the container's pid in the agent's namespace
  std::string started_at;
};

struct ShimExit {
  int exit_code = 0;
  int signal = 0;
  std::string finished_at;
};

absl::Status WriteShimSpec(const std::string& path, const ShimSpec& spec);
absl::StatusOr<ShimState> ReadShimState(const std::string& path);
absl::StatusOr<ShimExit> ReadShimExit(const std::string& path);
// The start time of `pid` (field 22 of /proc/<pid>/stat); 0 if it is gone.
uint64_t ProcessStartTime(pid_t pid);

// The shim's main; returns the process exit code.
int RunShim(const std::string& spec_path);

}  // namespace gantry::agent
