// Runs containers' probes and lifecycle hooks off the runtime's thread, as
// kubelet's prober and lifecycle handlers do. Probes follow their timings
// (initialDelaySeconds from the container's start, periodSeconds,
// timeoutSeconds, successThreshold, failureThreshold); a startup probe
// holds back the liveness and readiness probes until it succeeds. Each
// failed run is an Unhealthy Warning Event. What the runtime must act on
// (ready or not, started, liveness or startup failed, a hook finished) is
// queued as an outcome and the runtime is woken to take it.
//
// Probes run one at a time on one thread, hooks on another, so a preStop
// hook that takes its whole grace period holds up no probe.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/time/time.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/runtime/pod_runtime.h"
#include "agent/runtime/probe_check.h"
#include "core.pb.h"

namespace gantry::agent {

// One run of a container: its restart count tells instances apart.
struct ContainerInstance {
  std::string uid;
  std::string container;
  int instance = 0;
  bool operator==(const ContainerInstance&) const = default;
};

enum class ProbeOutcomeKind { kStarted, kStartupFailed, kReady, kUnready, kLivenessFailed, kPostStartDone, kPreStopDone };

struct ProbeOutcome {
  ContainerInstance of;
  ProbeOutcomeKind kind;
  bool success = true;  // for the hooks
  std::string message;
};

enum class HookKind { kPostStart, kPreStop };

class Prober {
 public:
  // `wake` is called (from the prober's threads) when outcomes wait.
  Prober(PodStatusSink& sink, std::function<void()> wake);
  ~Prober();

  void Start();
  void Stop();

  // Probes a container that just started (or, after an agent restart, was
  // adopted) as its spec says; replaces the probes of its earlier instance.
  void Watch(const api::Pod& pod, const ContainerInstance& of, CheckTarget target, absl::Time started);
  // Stops probing the container (it ended) or every container of the pod.
  void Forget(const std::string& uid, const std::string& container);
  void ForgetPod(const std::string& uid);
  // Runs the container's postStart or preStop hook; its end is an outcome.
  void RunHook(const api::Pod& pod, const ContainerInstance& of, HookKind kind, CheckTarget target, absl::Duration timeout);

  std::vector<ProbeOutcome> TakeOutcomes();

 private:
  enum class Kind { kStartup, kReadiness, kLiveness };
  struct ProbeState {
    Kind kind;
    api::Probe spec;
    absl::Time next;
    int successes = 0;
    int failures = 0;
    std::optional<bool> result;
    bool retired = false;  // a startup probe that succeeded, a probe whose failure was reported
  };
  struct Watched {
    api::Pod pod;  // its metadata and node, for Events
    ContainerInstance of;
    CheckTarget target;
    bool started = true;  // no startup probe, or it succeeded
    std::vector<ProbeState> probes;
  };
  struct HookJob {
    api::Pod pod;
    ContainerInstance of;
    HookKind kind;
    CheckTarget target;
    absl::Duration timeout;
  };

  void RunProbes(std::stop_token stop);
  void RunHooks(std::stop_token stop);
  CheckResult Check(const api::Probe& probe, const CheckTarget& target) const;
  // Records one run's result; the caller holds mu_.
  void Record(Watched& w, ProbeState& probe, const CheckResult& result, absl::Time now);
  void Emit(ProbeOutcome outcome);

  PodStatusSink& sink_;
  const std::function<void()> wake_;
  std::mutex mu_;
  std::condition_variable_any changed_;
  absl::flat_hash_map<std::string, Watched> watched_;  // by uid/container
  std::deque<HookJob> hooks_;
  uint64_t generation_ = 0;  // bumped by every Watch and RunHook: the probe thread looks again
  std::vector<ProbeOutcome> outcomes_;
  std::jthread probe_thread_;
  std::jthread hook_thread_;
};

}  // namespace gantry::agent
