// The scheduling framework's small interfaces: what a plugin sees of a pod,
// and the filter and score plugin contracts. Plugins read nodes straight from
// the structure-of-arrays NodeTable and allocate nothing on success.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/node_table.h"
#include "core.pb.h"

namespace gantry::scheduler {

// What a plugin computes once per scheduling attempt, before the node loop
// (PreFilter / PreScore), and reads back for every node.
class PluginState {
 public:
  virtual ~PluginState() = default;
};

// What the plugins need of a pod, computed once before the filter loop.
struct PodInfo {
  std::shared_ptr<const api::Pod> pod;
  cluster::ResourceVector requests;
  // Requests as scoring counts them: a container without a cpu or memory
  // request counts as 100m / 200Mi, as kube-scheduler does, so that
  // best-effort pods still spread.
  cluster::ResourceVector score_requests;
  // The cpu and memory scores weigh: a reclaimed pod's are the reclaimed
  // resources, so it spreads over what nodes lend, never over online capacity.
  int score_cpu_slot = cluster::kCpu;
  int score_memory_slot = cluster::kMemory;
  std::vector<cluster::HostPort> host_ports;

  // Per-attempt plugin state, keyed by the plugin that wrote it; a cache
  // of the current attempt, hence mutable.
  mutable std::vector<std::pair<const void*, std::shared_ptr<const PluginState>>> cycle_state;

  static absl::StatusOr<PodInfo> From(std::shared_ptr<const api::Pod> pod);
  const api::PodSpec& spec() const { return pod->spec(); }

  void SetState(const void* plugin, std::shared_ptr<const PluginState> state) const;
  template <typename T>
  const T* State(const void* plugin) const {
    for (const auto& [owner, state] : cycle_state) {
      if (owner == plugin) return static_cast<const T*>(state.get());
    }
    return nullptr;
  }
};

// code 0 passes; otherwise a plugin-specific reason code and detail (which
// resource, which taint) that Explain turns into words on the slow path.
struct FilterVerdict {
  uint16_t code = 0;
  uint32_t detail = 0;
  bool ok() const { return code == 0; }
};

class FilterPlugin {
 public:
  virtual ~FilterPlugin() = default;
  virtual absl::string_view name() const = 0;
  // True when the verdict depends only on the pod's spec and the node's
  // labels, taints and schedulability, so it may be cached per
  // equivalence class until those change.
  virtual bool node_static() const { return false; }
  // Runs once per attempt before Filter; may store state in `pod`. Returns
  // false when Filter would pass every node for this pod, so the node loop
  // skips the plugin (kube-scheduler's PreFilter "Skip").
  virtual bool PreFilter(const PodInfo& /*pod*/, const cluster::NodeTable& /*nodes*/) const { return true; }
  virtual FilterVerdict Filter(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const = 0;
  // kubectl-style reason, e.g. "Insufficient cpu" or
  // "node(s) had untolerated taint {dedicated: gpu}".
  virtual std::string Explain(const FilterVerdict& verdict, const PodInfo& pod, const cluster::NodeTable& nodes,
                              uint32_t node) const = 0;
};

class ScorePlugin {
 public:
  virtual ~ScorePlugin() = default;
  virtual absl::string_view name() const = 0;
  // Runs once per attempt before Score; may store state in `pod`. Returns
  // false when Score would be equal on every node: a constant cannot change
  // the choice, so the plugin is skipped.
  virtual bool PreScore(const PodInfo& /*pod*/, const cluster::NodeTable& /*nodes*/) const { return true; }
  // Higher is better.
  virtual int64_t Score(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const = 0;
  // Maps the raw scores of the candidate nodes to 0..100 in place. The
  // default leaves scores that are already on that scale alone.
  virtual void Normalize(std::vector<int64_t>& scores) const;
};

// Scales scores to 0..100 by the largest (reverse: the largest becomes 0).
void NormalizeByMax(std::vector<int64_t>& scores, bool reverse);

}  // namespace gantry::scheduler
