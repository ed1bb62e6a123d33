#include "apiserver/request_body.h"

#include <absl/strings/match.h>

#include "api/errors.h"
#include "api/kube_protobuf.h"
#include "api/yaml_json.h"

namespace gantry::apiserver {

absl::StatusOr<nlohmann::json> ParseBody(const http::HttpRequest& req) {
  if (req.body.empty()) return api::BadRequestError("the request body is empty");
  std::string type = req.Header("content-type");
  if (absl::StrContains(type, "yaml")) return api::ParseDocument(req.body);
  if (absl::StartsWith(type, api::kKubeProtobufContentType)) return api::KubeProtobufToJson(req.body);
  if (!type.empty() && !absl::StrContains(type, "json")) return api::UnsupportedMediaTypeError(type);
  return api::ParseJson(req.body);
}

}  // namespace gantry::apiserver
