#pragma once

#include <absl/status/status.h>

#include <string>

namespace gantry {

// Sets the process-wide spdlog level ("trace" .. "critical", "off").
absl::Status SetupLogging(const std::string& level);

}  // namespace gantry
