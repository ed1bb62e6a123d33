#include "scheduler/allocation.h"

#include <algorithm>

namespace gantry::scheduler {

double RequestedFraction(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node, int slot) {
  int64_t alloc = nodes.allocatable(node)[slot];
  if (alloc <= 0) return 1.0;
  double used = static_cast<double>(nodes.requested(node)[slot] + pod.score_requests[slot]);
  return std::clamp(used / static_cast<double>(alloc), 0.0, 1.0);
}

}  // namespace gantry::scheduler
