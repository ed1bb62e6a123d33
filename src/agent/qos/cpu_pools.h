// Whole CPUs for dedicated pods, and the shared pool of what is left: the
// cpuset of every shared, system and reclaimed cgroup. A dedicated pod gets
// its CPUs from one NUMA node when one node has enough free, highest-numbered
// first (CPU 0 stays shared, where interrupts and daemons tend to run); the
// shared pool always keeps at least one CPU.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <string>
#include <vector>

namespace gantry::agent::qos {

// CPU ids per NUMA node.
struct CpuTopology {
  std::vector<std::vector<int>> numa_nodes;
  int CpuCount() const;
};

// From /sys/devices/system/node/node*/cpulist restricted to the CPUs this
// process may run on; one node holding all of them when the files are absent.
CpuTopology DetectCpuTopology(const std::string& sys_root = "/sys/devices/system/node");

// "0-3,8,10-11" <-> {0,1,2,3,8,10,11}; InvalidArgument on a malformed list.
absl::StatusOr<std::vector<int>> ParseCpuList(const std::string& text);
std::string FormatCpuList(const std::vector<int>& cpus);

class CpuPools {
 public:
  explicit CpuPools(CpuTopology topology);

  // Takes `count` whole CPUs for pod `uid` (the same ones again if it has
  // them). ResourceExhausted naming what is free when the node cannot give them.
  absl::StatusOr<std::vector<int>> Allocate(const std::string& uid, int count);
  // Records CPUs a pod already holds (adopted after an agent restart);
  // FailedPrecondition when another pod holds one of them.
  absl::Status Restore(const std::string& uid, const std::vector<int>& cpus);
  void Release(const std::string& uid);

  std::vector<int> SharedPool() const;
  int DedicatedCount() const;
  int CpuCount() const { return topology_.CpuCount(); }

 private:
  const CpuTopology topology_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<int, std::string> owner_ ABSL_GUARDED_BY(mu_);  // cpu -> pod uid
};

}  // namespace gantry::agent::qos
