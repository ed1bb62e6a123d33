// The process metrics Prometheus' client libraries export (process_*), read
// from /proc at scrape time, and gantry_build_info with the version.
#pragma once

#include <string>

#include "common/metrics.h"

namespace gantry::metrics {

void RegisterProcessMetrics(Registry& registry, const std::string& version);

}  // namespace gantry::metrics
