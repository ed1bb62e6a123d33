// The end-of-run correctness check of `gantry bench scheduling`, from the
// API as any client sees it: no node holds more than its allocatable cpu,
// memory or pods; every pod of the run is bound, to a node that exists; each
// gang is bound whole; each zone-spread group has its pods in distinct zones.
// Each finding is one violation.
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "ctl/api_client.h"

namespace gantry::bench {

struct PlacementCheck {
  int violations = 0;
  std::vector<std::string> examples;  // the first few, for the report
};

// `gang_label`: the label naming a pod's gang ("" when the run has none).
absl::StatusOr<PlacementCheck> CheckPlacement(ctl::ApiClient& client, const std::string& ns,
                                              const std::string& gang_label);

}  // namespace gantry::bench
