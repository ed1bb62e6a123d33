#include <doctest/doctest.h>

#include "apiserver/access_reviews.h"
#include "apiserver/discovery.h"

using namespace gantry::apiserver;
using nlohmann::json;

TEST_CASE("kubectl auth can-i and whoami get answers in their own shapes") {
  json review = {{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SelfSubjectAccessReview"},
                 {"spec", {{"resourceAttributes", {{"verb", "create"}, {"resource", "pods"}}}}}};
  auto answer = AnswerAccessReview("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review);
  REQUIRE(answer.ok());
  CHECK((*answer)["status"]["allowed"] == true);
  CHECK((*answer)["spec"] == review["spec"]);

  auto who = AnswerAccessReview("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
  REQUIRE(who.ok());
  CHECK((*who)["status"]["userInfo"]["username"] == "admin");

  CHECK_FALSE(AnswerAccessReview("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json::array()).ok());
  CHECK_FALSE(AnswerAccessReview("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                                 {{"kind", "Pod"}}).ok());
  CHECK_FALSE(IsAccessReviewPath("/apis/authorization.k8s.io/v1/subjectaccessreviews"));
}

TEST_CASE("discovery lists the groups served outside the store") {
  std::string groups = ApiGroupList().dump();
  for (const char* group : {"metrics.k8s.io", "authorization.k8s.io", "authentication.k8s.io"}) {
    CHECK_MESSAGE(groups.find(group) != std::string::npos, group);
  }
  auto metrics = ApiResourceList("metrics.k8s.io", "v1beta1");
  REQUIRE(metrics.has_value());
  CHECK((*metrics)["resources"].size() == 2);
}
