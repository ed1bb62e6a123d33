// Where a unit (a lone pod or a gang) stands in the dispatcher: the same
// bookkeeping for both, so queue entries, backoff and feedback treat them
// alike. A queue entry whose seq differs from its unit's is stale.
#pragma once

#include <absl/time/time.h>

#include <cstdint>

namespace gantry::dispatcher {

struct UnitProgress {
  // kWaiting: a gang not ready yet (too few members, no PodGroup).
  enum class State { kWaiting, kQueued, kInFlight, kBackoff };
  State state = State::kQueued;
  uint64_t seq = 0;
  int attempts = 0;
  int conflicts = 0;
  absl::Time first_seen;
};

}  // namespace gantry::dispatcher
