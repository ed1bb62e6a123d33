// Kubernetes' protobuf encoding of a request body, read into the JSON the
// rest of the server decodes. client-go sends built-in kinds this way by
// default (kubectl create namespace, kubectl auth can-i): the body is the
// magic "k8s\0" and a runtime.Unknown {typeMeta, raw}, raw being the object
// in the field numbers of Kubernetes' generated.proto files. The schemas
// below are those of the kinds gantry serves and kubectl sends; anything
// else is a 415 asking for JSON. Nesting is bounded by the schemas, and the
// body's size by the HTTP layer.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <nlohmann/json.hpp>

namespace gantry::api {

inline constexpr absl::string_view kKubeProtobufContentType = "application/vnd.kubernetes.protobuf";

absl::StatusOr<nlohmann::json> KubeProtobufToJson(absl::string_view body);

}  // namespace gantry::api
