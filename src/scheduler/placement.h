// One pod against a set of nodes: run the profile's filters (the first that
// fails decides for a node), score what is feasible with weights, pick the
// best; or explain, as kube-scheduler does, why no node fits:
// "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}."
#pragma once

#include <absl/types/span.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/framework.h"

namespace gantry::scheduler {

struct WeightedScore {
  std::unique_ptr<ScorePlugin> plugin;
  int64_t weight = 1;
};

struct Profile {
  std::vector<std::unique_ptr<FilterPlugin>> filters;
  std::vector<WeightedScore> scores;
  // 0: adaptive, as kube-scheduler (all nodes below 100, then fewer).
  int percentage_of_nodes_to_score = 0;
};

// Every filter, LeastAllocated and BalancedAllocation, preferred node
// affinity, preferred inter-pod affinity and PreferNoSchedule taints, each
// with weight 1.
Profile DefaultProfile();

// How many feasible nodes to find before scoring, out of `total`.
uint32_t FeasibleNodesToFind(uint32_t total, int percentage);

// Time spent per plugin in one attempt (seconds), in profile order; filled
// only when asked for, since reading the clock per node costs.
struct PluginTimes {
  std::vector<double> filters;
  std::vector<double> scores;
};

struct PlaceOptions {
  // Nodes tried first (a shard's own partition); `secondary` is tried only
  // when no node of `primary` is feasible.
  absl::Span<const uint32_t> primary;
  absl::Span<const uint32_t> secondary;
  // Where in `primary` to start, so successive pods do not always look at
  // the same nodes first.
  size_t start = 0;
  // The node-static filters have already passed for every listed node (an
  // equivalence-class cache); run only the others.
  bool skip_node_static = false;
  PluginTimes* times = nullptr;
};

struct Placement {
  std::optional<uint32_t> node;  // chosen node index
  std::string explanation;       // set when no node fits
  uint32_t evaluated = 0;        // nodes filtered
};

Placement Place(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                const PlaceOptions& options);
// Every node of `order`, all filters.
Placement Place(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                const std::vector<uint32_t>& order);

// The nodes of `order` that pass every node-static filter (their PreFilter
// only decides whether they apply; they keep no state).
std::vector<uint32_t> NodeStaticFeasible(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                                         absl::Span<const uint32_t> order);

// Runs the filters' PreFilter hooks, then every filter on one node: what the
// binder re-checks against the authoritative state. OK or the reason.
absl::Status CheckNode(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node);

}  // namespace gantry::scheduler
