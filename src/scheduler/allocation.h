#pragma once

#include "scheduler/framework.h"

namespace gantry::scheduler {

// The share of a node's allocatable `slot` that would be requested once the
// pod is placed there, in [0, 1]; 1 when the node has none of it.
double RequestedFraction(const PodInfo& pod, const cluster::NodeTable& nodes, uint32_t node, int slot);

}  // namespace gantry::scheduler
