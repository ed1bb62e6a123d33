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

// What the plugins need of a pod, computed once before the filter loop.
struct PodInfo {
  std::shared_ptr<const api::Pod> pod;
  cluster::ResourceVector requests;
  // Requests as scoring counts them: a container without a cpu or memory
  // request counts as 100m / 200Mi, as kube-scheduler does, so that
  // best-effort pods still spread.
  cluster::ResourceVector score_requests;
  std::vector<cluster::HostPort> host_ports;

  static absl::StatusOr<PodInfo> From(std::shared_ptr<const api::Pod> pod);
  const api::PodSpec& spec() const { return pod->spec(); }
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
  // Higher is better.
  virtual int64_t Score(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node) const = 0;
  // Maps the raw scores of the candidate nodes to 0..100 in place. The
  // default leaves scores that are already on that scale alone.
  virtual void Normalize(std::vector<int64_t>& scores) const;
};

// Scales scores to 0..100 by the largest (reverse: the largest becomes 0).
void NormalizeByMax(std::vector<int64_t>& scores, bool reverse);

}  // namespace gantry::scheduler
