#include "apiserver/access_reviews.h"

#include <absl/strings/str_cat.h>

#include "api/errors.h"

namespace gantry::apiserver {
namespace {

using nlohmann::json;

constexpr absl::string_view kReason = "gantry authorizes every request that carries the admin token";

// The review as sent, with apiVersion and kind set and its status answered.
absl::StatusOr<json> Answer(const json& body, absl::string_view api_version, absl::string_view kind, json status) {
  if (!body.is_object()) return api::BadRequestError(absl::StrCat("the body must be a ", kind, " object"));
  if (body.contains("kind") && body["kind"] != std::string(kind)) {
    return api::BadRequestError(absl::StrCat("the body must be a ", kind, " object"));
  }
  json out = body;
  out["apiVersion"] = std::string(api_version);
  out["kind"] = std::string(kind);
  if (!out.contains("metadata") || !out["metadata"].is_object()) out["metadata"] = json::object();
  out["status"] = std::move(status);
  return out;
}

json AdminUserInfo() {
  return {{"username", std::string(kAdminUser)}, {"groups", {"system:masters", "system:authenticated"}}};
}

}  // namespace

bool IsAccessReviewPath(absl::string_view path) {
  return path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" ||
         path == "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews" ||
         path == "/apis/authentication.k8s.io/v1/selfsubjectreviews";
}

absl::StatusOr<json> AnswerAccessReview(absl::string_view path, const json& body) {
  if (path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
    return Answer(body, "authorization.k8s.io/v1", "SelfSubjectAccessReview",
                  {{"allowed", true}, {"reason", std::string(kReason)}});
  }
  if (path == "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews") {
    return Answer(body, "authorization.k8s.io/v1", "SelfSubjectRulesReview",
                  {{"resourceRules", {{{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}}}},
                   {"nonResourceRules", {{{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}}},
                   {"incomplete", false}});
  }
  return Answer(body, "authentication.k8s.io/v1", "SelfSubjectReview", {{"userInfo", AdminUserInfo()}});
}

}  // namespace gantry::apiserver
