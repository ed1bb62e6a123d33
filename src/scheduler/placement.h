// One pod against a set of nodes: run the profile's filters (the first that
// fails decides for a node), score what is feasible with weights, pick the
// best; or explain, as kube-scheduler does, why no node fits:
// "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}."
#pragma once

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
// affinity and PreferNoSchedule taints, each with weight 1.
Profile DefaultProfile();

// How many feasible nodes to find before scoring, out of `total`.
uint32_t FeasibleNodesToFind(uint32_t total, int percentage);

struct Placement {
  std::optional<uint32_t> node;  // chosen node index
  std::string explanation;       // set when no node fits
  uint32_t evaluated = 0;        // nodes filtered
};

// `order` lists the node indexes to try, in preference order (a shard's own
// partition first).
Placement Place(const Profile& profile, const PodInfo& pod, const cluster::NodeTable& nodes,
                const std::vector<uint32_t>& order);

}  // namespace gantry::scheduler
