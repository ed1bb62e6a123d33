// Who the caller is and what it may do, as kubectl auth whoami and
// kubectl auth can-i ask: SelfSubjectReview (authentication.k8s.io/v1),
// SelfSubjectAccessReview and SelfSubjectRulesReview (authorization.k8s.io/v1).
// gantry's API has one identity, the admin whose bearer token the server
// writes into its kubeconfig, and it may do everything; the answers say so
// rather than pretend to a role model that does not exist.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <nlohmann/json.hpp>

namespace gantry::apiserver {

inline constexpr absl::string_view kAdminUser = "admin";

bool IsAccessReviewPath(absl::string_view path);
// The answer to POST `path` (an access review path) with `body`.
absl::StatusOr<nlohmann::json> AnswerAccessReview(absl::string_view path, const nlohmann::json& body);

}  // namespace gantry::apiserver
