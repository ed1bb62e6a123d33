// `gantry check-config`: what this machine offers gantry, each check with
// what to do when it falls short (as k3s check-config does for its kernel).
#pragma once

#include <string>
#include <vector>

namespace gantry::agent {

struct HostCheck {
  std::string what;    // "cgroup v1: cpu, cpuacct, memory, cpuset"
  bool ok = false;
  std::string detail;  // what was found, or what to do
  // Without it the agent cannot run pods (as opposed to running them with
  // less: no pod network, a port to change).
  bool required = false;
};

struct HostCheckOptions {
  std::string cgroup_root = "/sys/fs/cgroup";
  std::string proc_self = "/proc/self";
  std::string server_data_dir = "/var/lib/gantry";
  std::string agent_data_dir = "/var/lib/gantry-agent";
  std::string cni_plugin_dir = "/usr/lib/cni";
  std::vector<int> ports = {6443, 6444};
};

std::vector<HostCheck> CheckHost(const HostCheckOptions& options);

// Prints one line per check; returns 1 when a required check failed, else 0.
int PrintHostChecks(const std::vector<HostCheck>& checks);

}  // namespace gantry::agent
