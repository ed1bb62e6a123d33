// The process runtime: every container is a host process started through a
// forked shim (container_shim.h) in its pod's cgroup, with the pod's own PID, mount,
// UTS and IPC namespaces unless hostPID is set. One thread drives all pods:
// it starts containers, learns of exits through pidfds (no polling),
// restarts per restartPolicy with backoff (10 s doubling to 5 min), runs
// graceful deletion (SIGTERM, grace period, SIGKILL), rotates logs by size,
// and reports status changes to the sink. Per-pod state lives under
// <data-dir>/pods/<uid>/ so a restarted agent adopts running containers
// instead of starting them twice.
//
// Before a pod's first container starts, its volumes are set up
// (agent/volumes/) from the ConfigMaps and Secrets the server lets the node
// read; env is resolved per container start. Probes and lifecycle hooks run
// on the prober's threads (prober.h); their outcomes come back here: readiness
// sets the container's ready flag, a failed liveness or startup probe
// restarts the container, preStop runs before SIGTERM.
//
// Cgroups follow the QoS policy (agent/qos/): each pod's group is
// <class>/pod<uid> below gantry's, with one group per container inside it;
// dedicated pods' CPUs are taken out of the shared pool that every shared,
// system and reclaimed group runs on.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/time/time.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/qos/qos_policy.h"
#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/colocated_pods.h"
#include "agent/runtime/cpu_meter.h"
#include "agent.pb.h"
#include "agent/pod_config.h"
#include "agent/runtime/pod_runtime.h"
#include "agent/runtime/prober.h"
#include "agent/runtime/shim_spawner.h"

namespace gantry::agent {

class PodNetwork;

struct ProcessRuntimeOptions {
  std::string data_dir;          // pods/<uid>/ below it
  int64_t max_log_bytes = 10 << 20;
  absl::Duration initial_backoff = absl::Seconds(10);
  absl::Duration max_backoff = absl::Minutes(5);
  // The node's address (pods share its network: their hostIP and podIP) and
  // allocatable resources (a resourceFieldRef to a limit that is not set).
  std::string node_ip;
  google::protobuf::Map<std::string, std::string> node_allocatable;
  // Gives pods a network of their own; nullptr: they share the node's.
  PodNetwork* network = nullptr;
};

class ProcessRuntime final : public PodRuntime, public ColocatedPods {
 public:
  // `cgroups` and `policy` must outlive the runtime.
  ProcessRuntime(ProcessRuntimeOptions options, CgroupDriver& cgroups, qos::QosPolicy& policy, ShimSpawner& spawner,
                 PodStatusSink& sink, PodConfigSource& config);
  ~ProcessRuntime() override;

  // Adopts what a previous agent left running, then starts the thread.
  void Start();
  void Stop();

  void Apply(const api::Pod& pod) override;
  void Remove(const std::string& uid) override;
  void Retain(const std::vector<std::string>& uids) override;
  void Evict(const std::string& uid, const std::string& message) override;

  // Each running pod's cpu (average since the previous call) and memory,
  // read from its cgroup; for heartbeats.
  std::vector<api::PodUsage> SampleUsage();

  std::string GroupOf(const std::string& uid) override;

  // The log file of a container's current instance, or of the one before its
  // last restart (kubectl logs --previous).
  std::string LogPath(const std::string& uid, const std::string& container, bool previous = false) const;

 private:
  struct Container;
  struct Pod;

  // Init containers first, in order, then the others.
  static std::vector<Container> ContainersOf(const api::Pod& pod);
  // The containers that wait to be started (or restarted): the first init
  // container not yet succeeded, or, once all have, the others.
  static std::vector<Container*> Startable(Pod& pod);
  void Run(std::stop_token stop);
  void Reconcile(Pod& pod, absl::Time now);
  // The pod's ConfigMaps and Secrets read and its volumes set up; false
  // (its containers waiting, a retry due) when that failed.
  bool Prepare(Pod& pod, absl::Time now);
  absl::Status FetchConfig(Pod& pod);
  void StartContainer(Pod& pod, Container& c, absl::Time now);
  // Holds the container back with kubelet's reason; tried again later, since
  // the ConfigMap, Secret or path it waits for may appear. `event`: the
  // Warning recorded once per message ("": the status report implies one,
  // api/container_events.h).
  void HoldBack(Pod& pod, Container& c, const std::string& reason, const std::string& message,
                const std::string& event, absl::Time now);
  CheckTarget TargetOf(const Pod& pod, const Container& c) const;
  // Where the container's shim records its pid, and the pid, read once.
  std::string PidPath(const Pod& pod, const Container& c) const;
  pid_t ContainerPid(const Pod& pod, Container& c) const;
  std::string PodIp(const Pod& pod) const;
  NodeFacts FactsOf(const Pod& pod) const;
  void TakeProbeOutcomes(absl::Time now);
  // SIGTERM now, SIGKILL after the grace period (a failed liveness probe or hook).
  void KillContainer(Pod& pod, Container& c, int64_t grace_seconds, absl::Time now);
  // Graceful deletion: preStop hooks first, SIGTERM to the other containers.
  void BeginTermination(Pod& pod, absl::Time now);
  void EvictPod(Pod& pod, const std::string& message);
  // Every 10 s: emptyDir size limits, ConfigMap/Secret/downward API volume updates.
  void CheckVolumes(Pod& pod);
  void TearDownVolumes(Pod& pod);
  void Exited(Pod& pod, Container& c);
  void Signal(Pod& pod, int signal);
  bool AllStopped(const Pod& pod) const;
  void Report(Pod& pod);
  void RotateLogs(Pod& pod);
  void Adopt();
  // The pod's QoS decisions applied to its cgroups; false (and the pod
  // rejected) when the node cannot run it as its class asks.
  bool Place(Pod& pod, const std::vector<int>& held_cpus);
  void ReleaseQos(Pod& pod);
  // Keeps a refusal or eviction across agent restarts (pods/<uid>/verdict.json).
  void RecordVerdict(const Pod& pod);
  // Where a container's processes run; OOM kills are counted there (v1
  // does not count them in the parents).
  static std::string ContainerGroup(const Pod& pod, const std::string& container);
  void ApplySharedPool();
  void EnsureClassParents();
  std::string PodDir(const std::string& uid) const;

  const ProcessRuntimeOptions options_;
  CgroupDriver& cgroups_;
  qos::QosPolicy& policy_;
  ShimSpawner& spawner_;
  PodStatusSink& sink_;
  PodConfigSource& config_;
  const NodeFacts node_;
  Prober prober_;

  std::mutex mu_;
  std::condition_variable_any wake_;
  std::vector<api::Pod> applied_;        // handed over by Apply, taken by the thread
  std::vector<std::string> removed_;     // handed over by Remove
  std::vector<std::pair<std::string, std::string>> evicted_;  // handed over by Evict: uid, message
  std::optional<std::vector<std::string>> retained_;  // handed over by Retain
  int wake_fd_ = -1;                     // eventfd: interrupts the thread's poll
  absl::flat_hash_map<std::string, std::unique_ptr<Pod>> pods_;  // the thread's own
  // Kept by the thread for SampleUsage.
  struct Known {
    std::string namespace_, name, group;
  };
  std::mutex known_mu_;
  absl::flat_hash_map<std::string, Known> known_;
  CpuMeter cpu_meter_;  // SampleUsage's own
  std::jthread thread_;
};

}  // namespace gantry::agent
