// The CFS quota of the reclaimed pods' parent group, recomputed every second
// so reclaimed pods use only what the online pods leave:
//   max(floor, capacity − shared and system use − dedicated CPUs − margin × capacity)
#pragma once

#include <cstdint>

namespace gantry::agent::qos {

struct ReclaimedQuotaSettings {
  int64_t floor_millicpu = 100;
  double margin = 0.05;  // of capacity
};

int64_t ReclaimedQuotaMilli(int64_t capacity_millicpu, int64_t online_use_millicpu, int64_t dedicated_millicpu,
                            const ReclaimedQuotaSettings& settings);

}  // namespace gantry::agent::qos
