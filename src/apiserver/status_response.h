// absl::Status -> Kubernetes Status objects, the only shape errors take on the wire.
#pragma once

#include <absl/status/status.h>

#include <nlohmann/json.hpp>

#include <string>

#include "apiserver/http/http_response.h"

namespace gantry::apiserver {

nlohmann::json StatusObject(const absl::Status& status);
nlohmann::json SuccessStatus();

// Serializes JSON for the wire. Strings are valid UTF-8 by the time they are
// stored, but error messages may quote a client's bytes: those are replaced,
// never thrown on.
std::string DumpJson(const nlohmann::json& value);

void WriteJson(http::HttpResponse& res, int code, const nlohmann::json& body);
// The Status object for `status`, with its HTTP code.
void WriteError(http::HttpResponse& res, const absl::Status& status);

}  // namespace gantry::apiserver
