// A shard's private copy of the node table. ClusterState::Refresh brings it
// up to date by copying only the rows that changed, so a shard filters and
// scores without holding any lock.
#pragma once

#include <cstdint>
#include <limits>

#include "cluster/node_table.h"

namespace gantry::cluster {

struct Snapshot {
  NodeTable nodes;
  // The ClusterState::version() this copy reflects.
  uint64_t version = std::numeric_limits<uint64_t>::max();
};

}  // namespace gantry::cluster
