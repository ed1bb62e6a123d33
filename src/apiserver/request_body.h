// A request's body as JSON, by its Content-Type: strict JSON for JSON types
// (and when none is given), YAML for YAML types, Kubernetes' protobuf for
// the kinds api/kube_protobuf.h reads; any other type is a 415.
// Every parser has the limits of api/yaml_json.h.
#pragma once

#include <absl/status/statusor.h>

#include <nlohmann/json.hpp>

#include "apiserver/http/http_request.h"

namespace gantry::apiserver {

absl::StatusOr<nlohmann::json> ParseBody(const http::HttpRequest& req);

}  // namespace gantry::apiserver
