// A gang placed as a whole in one snapshot: each pod is filtered and scored
// against the nodes as the earlier pods of the gang left them, inside one
// topology domain when the gang's job-level affinity requires it (Gödel's
// podGroupAffinity: one value of each required node label), preferably
// inside one domain of a preferred key, spilling over the cluster only when
// no single domain fits. All or nothing: when some pod does not fit, the
// table is left as it was.
#pragma once

#include <absl/types/span.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dispatcher/unit.h"
#include "scheduler/placement.h"

namespace gantry::scheduler {

struct GangPlacement {
  std::vector<uint32_t> nodes;  // nodes[i] for pods[i]; empty when the gang does not fit
  std::string explanation;      // set when it does not fit
};

struct GangPlaceOptions {
  // A shard's own partition first, then the others, as for single pods.
  absl::Span<const uint32_t> own;
  absl::Span<const uint32_t> others;
  size_t* rotation = nullptr;  // advanced by the nodes evaluated
};

// On success the placements stay charged to `nodes` (untracked, as a
// shard's own proposals are).
GangPlacement PlaceGang(const Profile& profile, const std::vector<PodInfo>& pods, const dispatcher::GangInfo& gang,
                        cluster::NodeTable& nodes, const GangPlaceOptions& options);

}  // namespace gantry::scheduler
