// Legacy (non-aggregated) API discovery, /version and the minimal OpenAPI
// answer kubectl's client-side validation needs (see shared/kubectl-compat.md).
#pragma once

#include <absl/strings/string_view.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace gantry::apiserver {

nlohmann::json ApiVersions();                  // GET /api
nlohmann::json ApiGroupList();                 // GET /apis
// GET /api/v1 or /apis/{group}/{version}; nullopt when not served.
std::optional<nlohmann::json> ApiResourceList(absl::string_view group, absl::string_view version);
nlohmann::json VersionInfo();                  // GET /version

}  // namespace gantry::apiserver
