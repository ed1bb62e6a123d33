#include <doctest/doctest.h>

#include "api/patch.h"

using namespace gantry::api;
using nlohmann::json;

namespace {
json Pod() {
  return json::parse(R"({
    "metadata": {"name": "p", "labels": {"a": "1", "b": "2"}, "finalizers": ["x"]},
    "spec": {"containers": [
      {"name": "a", "image": "i1", "command": ["run"], "env": [{"name": "E1", "value": "1"}]},
      {"name": "b", "image": "i2"}],
     "tolerations": [{"key": "k1"}]}})");
}
}  // namespace

TEST_CASE("strategic merge patch merges containers by name and keeps unlisted fields") {
  json doc = Pod();
  json patch = json::parse(R"({"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
                                        "containers": [{"name": "a", "image": "i9"}]}})");
  REQUIRE(ApplyStrategicMergePatch(doc, patch).ok());
  CHECK(doc["spec"]["containers"][0]["image"] == "i9");
  CHECK(doc["spec"]["containers"][0]["command"] == json::array({"run"}));  // not lost
  CHECK(doc["spec"]["containers"][1]["name"] == "b");
  CHECK_FALSE(doc["spec"].contains("$setElementOrder/containers"));
}

TEST_CASE("strategic merge patch directives") {
  json doc = Pod();
  REQUIRE(ApplyStrategicMergePatch(doc, json::parse(R"({"spec": {"containers": [{"name": "b", "$patch": "delete"}]}})")).ok());
  CHECK(doc["spec"]["containers"].size() == 1);

  doc = Pod();
  REQUIRE(ApplyStrategicMergePatch(doc, json::parse(R"({"metadata": {"labels": {"a": null, "c": "3"}}})")).ok());
  CHECK(doc["metadata"]["labels"] == json{{"b", "2"}, {"c", "3"}});

  doc = Pod();
  REQUIRE(ApplyStrategicMergePatch(doc, json::parse(R"({"spec": {"tolerations": [{"key": "k2"}]}})")).ok());
  CHECK(doc["spec"]["tolerations"] == json::parse(R"([{"key": "k2"}])"));  // no merge key: replaced

  doc = Pod();
  REQUIRE(ApplyStrategicMergePatch(doc, json::parse(R"({"metadata": {"finalizers": ["y"]}})")).ok());
  CHECK(doc["metadata"]["finalizers"] == json::array({"x", "y"}));
  REQUIRE(ApplyStrategicMergePatch(doc, json::parse(R"({"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}})")).ok());
  CHECK(doc["metadata"]["finalizers"] == json::array({"y"}));

  doc = Pod();
  REQUIRE(ApplyStrategicMergePatch(doc, json::parse(R"({"metadata": {"labels": {"$patch": "replace", "z": "9"}}})")).ok());
  CHECK(doc["metadata"]["labels"] == json{{"z", "9"}});

  doc = Pod();
  REQUIRE(ApplyStrategicMergePatch(doc, json::parse(R"({"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}})")).ok());
  CHECK(doc["spec"]["containers"][0]["name"] == "b");

  doc = Pod();
  CHECK_FALSE(ApplyStrategicMergePatch(doc, json::parse(R"({"spec": {"containers": [{"image": "no-key"}]}})")).ok());
}

TEST_CASE("JSON merge patch and JSON patch") {
  json doc = Pod();
  REQUIRE(ApplyMergePatch(doc, json::parse(R"({"spec": {"containers": [{"name": "only"}]}})")).ok());
  CHECK(doc["spec"]["containers"].size() == 1);  // merge patch replaces lists
  doc = Pod();
  REQUIRE(ApplyJsonPatch(doc, json::parse(R"([{"op": "replace", "path": "/metadata/labels/a", "value": "x"},
                                               {"op": "add", "path": "/metadata/labels/n", "value": "y"}])")).ok());
  CHECK(doc["metadata"]["labels"]["a"] == "x");
  CHECK(doc["metadata"]["labels"]["n"] == "y");
  CHECK_FALSE(ApplyJsonPatch(doc, json::parse(R"([{"op": "remove", "path": "/nope"}])")).ok());
  CHECK_FALSE(ApplyMergePatch(doc, json::array()).ok());
}

TEST_CASE("JSON patch adding under a string or number is a 400, not an abort (found by fuzz patch)") {
  json doc = Pod();
  json before = doc;
  auto added = ApplyJsonPatch(doc, json::parse(R"([{"op": "add", "path": "/metadata/name/x", "value": "y"}])"));
  CHECK(absl::IsInvalidArgument(added));
  CHECK_MESSAGE(std::string(added.message()).find("/metadata/name/x") != std::string::npos, added.message());
  CHECK_FALSE(ApplyJsonPatch(doc, json::parse(R"([{"op": "copy", "from": "/metadata/labels", "path": "/metadata/name/v"}])")).ok());
  CHECK(doc == before);
}

TEST_CASE("three-way apply patch removes what the manifest dropped") {
  json last = Pod();
  json now = Pod();
  now["metadata"]["labels"].erase("b");
  now["spec"]["containers"].erase(1);
  now["spec"]["containers"][0]["env"][0]["value"] = "2";
  json patch = ThreeWayPatch(last, now);
  json live = Pod();
  live["status"] = {{"phase", "Running"}};
  live["spec"]["containers"][0]["imagePullPolicy"] = "Always";  // server-set: kept
  REQUIRE(ApplyStrategicMergePatch(live, patch).ok());
  CHECK_FALSE(live["metadata"]["labels"].contains("b"));
  CHECK(live["spec"]["containers"].size() == 1);
  CHECK(live["spec"]["containers"][0]["env"][0]["value"] == "2");
  CHECK(live["spec"]["containers"][0]["imagePullPolicy"] == "Always");
  CHECK(live["status"]["phase"] == "Running");

  // Applying the same manifest again changes nothing.
  json again = live;
  REQUIRE(ApplyStrategicMergePatch(again, ThreeWayPatch(now, now)).ok());
  CHECK(again == live);
}
