#include "agent/qos/reclaimed_quota.h"

#include <algorithm>

namespace gantry::agent::qos {

int64_t ReclaimedQuotaMilli(int64_t capacity_millicpu, int64_t online_use_millicpu, int64_t dedicated_millicpu,
                            const ReclaimedQuotaSettings& settings) {
  auto margin = static_cast<int64_t>(settings.margin * static_cast<double>(capacity_millicpu));
  return std::max(settings.floor_millicpu, capacity_millicpu - online_use_millicpu - dedicated_millicpu - margin);
}

}  // namespace gantry::agent::qos
