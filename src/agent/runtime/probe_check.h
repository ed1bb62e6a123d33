// One run of a probe's or hook's handler against a container, with
// kubelet's success rules and failure messages: exec succeeds on exit status
// 0, httpGet on a status from 200 to 399, tcpSocket when a connection opens.
#pragma once

#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>
#include <vector>

#include "core.pb.h"

namespace gantry::agent {

// The running container a handler is aimed at.
struct CheckTarget {
  api::Container container;  // its ports resolve named ports
  std::string pod_ip;
  std::string pid_path;  // where its shim records its pid (container_shim.h)
  std::vector<std::string> cgroup_procs;
};

struct CheckResult {
  bool success = false;
  std::string message;  // why it failed (the command's output for exec)
};

// Whether there is a handler gantry runs: a grpc probe or a sleep hook was
// dropped (with a warning) when the pod was created, leaving none.
inline bool Runnable(const api::Probe& probe) {
  return probe.has_exec() || probe.has_http_get() || probe.has_tcp_socket();
}
inline bool Runnable(const api::LifecycleHandler& hook) { return hook.has_exec() || hook.has_http_get(); }

CheckResult RunExec(const api::ExecAction& exec, const CheckTarget& target, absl::Duration timeout);
CheckResult RunHttpGet(const api::HTTPGetAction& get, const CheckTarget& target, absl::Duration timeout);
CheckResult RunTcpSocket(const api::TCPSocketAction& tcp, const CheckTarget& target, absl::Duration timeout);

// A port number, or the containerPort of the container's port of that name.
absl::StatusOr<int> ResolvePort(const std::string& port, const api::Container& container);

}  // namespace gantry::agent
