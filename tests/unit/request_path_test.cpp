#include <doctest/doctest.h>

#include "apiserver/discovery.h"
#include "apiserver/request_path.h"

using gantry::apiserver::ParseResourcePath;

TEST_CASE("resource paths: namespaced, cluster-scoped, subresources, groups") {
  struct Case {
    const char* path;
    const char* resource;
    const char* ns;
    const char* name;
    const char* sub;
  };
  const Case cases[] = {
      {"/api/v1/pods", "pods", "", "", ""},
      {"/api/v1/namespaces/default/pods", "pods", "default", "", ""},
      {"/api/v1/namespaces/default/pods/web", "pods", "default", "web", ""},
      {"/api/v1/namespaces/default/pods/web/status", "pods", "default", "web", "status"},
      {"/api/v1/namespaces/default/pods/web/binding", "pods", "default", "web", "binding"},
      {"/api/v1/nodes/n1", "nodes", "", "n1", ""},
      {"/api/v1/namespaces", "namespaces", "", "", ""},
      {"/api/v1/namespaces/team-a", "namespaces", "", "team-a", ""},
      {"/api/v1/namespaces/team-a/status", "namespaces", "", "team-a", "status"},
      {"/apis/scheduling.k8s.io/v1/priorityclasses/high", "priorityclasses", "", "high", ""},
      {"/apis/scheduling.gantry.io/v1alpha1/namespaces/ml/podgroups/g1", "podgroups", "ml", "g1", ""},
      {"/api/v1/namespaces/default/events", "events", "default", "", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    auto p = ParseResourcePath(c.path);
    REQUIRE(p.ok());
    CHECK(p->kind->resource == c.resource);
    CHECK(p->namespace_ == c.ns);
    CHECK(p->name == c.name);
    CHECK(p->subresource == c.sub);
  }
}

TEST_CASE("paths that name no resource are not found") {
  for (const char* bad : {"/api/v1/widgets", "/api/v1/namespaces/default/nodes", "/apis/scheduling.k8s.io/v9/priorityclasses",
                          "/api", "/foo/v1/pods", "/api/v1/namespaces/default/pods/a/b/c"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseResourcePath(bad).ok());
  }
}

TEST_CASE("discovery serves every group-version that has resources and no other") {
  auto core = gantry::apiserver::ApiResourceList("", "v1");
  REQUIRE(core.has_value());
  bool eviction = false;
  for (const auto& r : (*core)["resources"]) eviction = eviction || r["name"] == "pods/eviction";
  CHECK(eviction);
  CHECK(gantry::apiserver::ApiResourceList("scheduling.gantry.io", "v1alpha1").has_value());
  auto apps = gantry::apiserver::ApiResourceList("apps", "v1");
  REQUIRE(apps.has_value());
  bool scale = false;
  for (const auto& r : (*apps)["resources"]) scale = scale || (r["name"] == "deployments/scale" && r["kind"] == "Scale");
  CHECK(scale);
  CHECK_FALSE(gantry::apiserver::ApiResourceList("apps", "v1beta2").has_value());
  CHECK(gantry::apiserver::VersionInfo()["minor"] == "32");
}
