// The container shim: one per container start, forked from the agent. It
// leaves the agent's session, enters the pod's cgroup and new PID, mount,
// UTS and IPC namespaces (unless the pod shares the host's), execs the
// container, copies its stdout and stderr into the log file a line at a time
// in the CRI log format (each line with its time and stream, as kubelet
// keeps them), waits for it and records how it ended. Because the shim, not the agent, is the container's
// parent, an agent restart (even kill -9) leaves containers running and
// their exit codes still known.
//
// The shim is forked (by the single-threaded zygote, shim_spawner.h) and
// never execs itself: a container start costs a fork and the container's
// exec instead of loading this binary's ~65 shared libraries once more. The
// shim makes only async-signal-safe system calls after the fork, so it
// stays correct even when forked from a process with threads.
#pragma once

#include <absl/status/statusor.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gantry::agent {

// A directory or file of the node bound into the container's mount namespace.
struct ShimMount {
  std::string source;
  std::string target;  // exists on the node (the agent creates it)
  bool read_only = false;
};

struct ShimSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir;
  std::string log_path;
  std::vector<std::string> cgroup_procs;  // files the container joins through
  bool new_namespaces = true;
  // Made in a mount namespace of the container's own (even when it shares the host's PID namespace).
  std::vector<ShimMount> mounts;
  std::string net_ns;  // the pod's network namespace (pod_network.h); empty: the node's
  std::string hostname;
  int oom_score_adj = 0;  // written for the container before exec unless 0
  std::string pid_path;   // the shim writes the container's pid here
  std::string exit_path;  // and, when it ends: {"exitCode","signal","finishedAtNs"}
};

// Forks the shim; returns its pid. Called in the zygote.
absl::StatusOr<pid_t> SpawnShim(const ShimSpec& spec);

struct ShimExit {
  int exit_code = 0;
  int signal = 0;
  std::string finished_at;  // RFC 3339
};

// The container's pid once the shim has recorded it.
absl::StatusOr<pid_t> ReadContainerPid(const std::string& pid_path);
absl::StatusOr<ShimExit> ReadShimExit(const std::string& exit_path);
// The start time of `pid` (field 22 of /proc/<pid>/stat); 0 if it is gone.
uint64_t ProcessStartTime(pid_t pid);

}  // namespace gantry::agent
