#include <doctest/doctest.h>

#include "api/field_set.h"

using namespace gantry::api;
using nlohmann::json;

namespace {
json Pod() {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "namespace": "default", "uid": "u", "resourceVersion": "7",
                 "labels": {"app": "web"}, "finalizers": ["a", "b"]},
    "spec": {"containers": [{"name": "web", "image": "nginx", "command": ["run", "fast"]}]},
    "status": {"phase": "Running"}})");
}
}  // namespace

TEST_CASE("a field set holds the leaves an object sets, not the server's metadata or status") {
  FieldSet set = FieldSet::Of(Pod(), FieldSet::Scope::kMain);
  CHECK(set.contains({"f:metadata", "f:labels", "f:app"}));
  CHECK(set.contains({"f:metadata", "f:finalizers", "v:\"a\""}));
  CHECK(set.contains({"f:spec", "f:containers", "k:{\"name\":\"web\"}", "."}));
  CHECK(set.contains({"f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:image"}));
  // command is atomic: owned whole.
  CHECK(set.contains({"f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:command"}));
  CHECK_FALSE(set.contains({"f:metadata", "f:name"}));
  CHECK_FALSE(set.contains({"f:metadata", "f:resourceVersion"}));
  CHECK_FALSE(set.contains({"f:status", "f:phase"}));
  CHECK_FALSE(set.contains({"f:apiVersion"}));
  FieldSet status = FieldSet::Of(Pod(), FieldSet::Scope::kStatus);
  CHECK(status.size() == 1);
  CHECK(status.contains({"f:status", "f:phase"}));
}

TEST_CASE("FieldsV1 round-trips and is Kubernetes' shape") {
  FieldSet set = FieldSet::Of(Pod(), FieldSet::Scope::kMain);
  json tree = set.ToFieldsV1();
  CHECK(tree["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]["."] == json::object());
  CHECK(tree["f:metadata"]["f:labels"]["f:app"] == json::object());
  auto back = FieldSet::FromFieldsV1(tree);
  REQUIRE(back.ok());
  CHECK(*back == set);
}

TEST_CASE("FieldsV1 that is not a tree of objects, or is nested without end, is refused") {
  CHECK_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"f:a": 1})")).ok());
  CHECK_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"x:a": {}})")).ok());
  json deep = json::object();
  json* at = &deep;
  for (int i = 0; i < 100; ++i) at = &((*at)["f:a"] = json::object());
  CHECK_FALSE(FieldSet::FromFieldsV1(deep).ok());
}

TEST_CASE("values are found and removed by path, and paths print as Kubernetes prints them") {
  json pod = Pod();
  FieldPath image = {"f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:image"};
  REQUIRE(FieldValueAt(pod, image) != nullptr);
  CHECK(*FieldValueAt(pod, image) == "nginx");
  CHECK(FieldValueAt(pod, {"f:spec", "f:containers", "k:{\"name\":\"db\"}", "f:image"}) == nullptr);
  CHECK(DescribeFieldPath(image) == ".spec.containers[name=\"web\"].image");
  CHECK(DescribeFieldPath({"f:metadata", "f:finalizers", "v:\"a\""}) == ".metadata.finalizers[=\"a\"]");

  RemoveFieldAt(pod, {"f:metadata", "f:finalizers", "v:\"a\""});
  CHECK(pod["metadata"]["finalizers"] == json::array({"b"}));
  RemoveFieldAt(pod, {"f:spec", "f:containers", "k:{\"name\":\"web\"}", "."});
  CHECK(pod["spec"]["containers"].empty());
  RemoveFieldAt(pod, {"f:metadata", "f:labels", "f:app"});
  CHECK(pod["metadata"]["labels"].empty());
}

TEST_CASE("a diff names what a write changed and what it removed, in one walk") {
  json before = Pod();
  json after = Pod();
  after["metadata"]["labels"]["app"] = "api";
  after["metadata"]["labels"]["tier"] = "1";
  after["metadata"]["finalizers"] = json::array({"b", "c"});
  after["metadata"]["resourceVersion"] = "8";
  after["spec"]["containers"].push_back({{"name", "side"}, {"image", "busybox"}});
  after["spec"]["containers"][0]["command"] = json::array({"run"});
  after["status"]["phase"] = "Failed";
  FieldChanges d = FieldSet::Diff(before, after, FieldSet::Scope::kMain);
  CHECK(d.changed.contains({"f:metadata", "f:labels", "f:app"}));
  CHECK(d.changed.contains({"f:metadata", "f:labels", "f:tier"}));
  CHECK(d.changed.contains({"f:metadata", "f:finalizers", "v:\"c\""}));
  CHECK(d.changed.contains({"f:spec", "f:containers", "k:{\"name\":\"side\"}", "."}));
  CHECK(d.changed.contains({"f:spec", "f:containers", "k:{\"name\":\"side\"}", "f:image"}));
  CHECK(d.changed.contains({"f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:command"}));
  CHECK_FALSE(d.changed.contains({"f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:image"}));
  CHECK(d.changed.size() == 7);  // nothing of resourceVersion or status
  CHECK(d.gone.size() == 1);
  CHECK(d.gone.contains({"f:metadata", "f:finalizers", "v:\"a\""}));

  FieldChanges back = FieldSet::Diff(after, before, FieldSet::Scope::kMain);
  CHECK(back.gone.contains({"f:spec", "f:containers", "k:{\"name\":\"side\"}", "."}));
  CHECK(back.gone.contains({"f:metadata", "f:labels", "f:tier"}));
  CHECK(FieldSet::Diff(before, after, FieldSet::Scope::kStatus).changed.contains({"f:status", "f:phase"}));
  CHECK(FieldSet::Diff(before, before, FieldSet::Scope::kMain).changed.empty());
}
