// absl::Status -> Kubernetes Status objects, the only shape errors take on the wire.
#pragma once

#include <absl/status/status.h>

#include <nlohmann/json.hpp>

namespace gantry::apiserver {

nlohmann::json StatusObject(const absl::Status& status);
nlohmann::json SuccessStatus();

}  // namespace gantry::apiserver
