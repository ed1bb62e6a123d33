// absl::Status -> Kubernetes Status objects, the only shape errors take on the wire.
#pragma once

#include <absl/status/status.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

namespace gantry::apiserver {

nlohmann::json StatusObject(const absl::Status& status);
nlohmann::json SuccessStatus();

void WriteJson(httplib::Response& res, int code, const nlohmann::json& body);
// The Status object for `status`, with its HTTP code.
void WriteError(httplib::Response& res, const absl::Status& status);

}  // namespace gantry::apiserver
