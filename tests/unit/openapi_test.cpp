#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "apiserver/openapi.h"

using gantry::apiserver::OpenApiDocuments;
using nlohmann::json;

namespace {

json Document(const std::string& group_version) {
  const std::string* text = OpenApiDocuments::Get().V3Document(group_version);
  REQUIRE(text != nullptr);
  return json::parse(*text);
}

const json& Schema(const json& document, const std::string& name) {
  const json& schemas = document["components"]["schemas"];
  REQUIRE_MESSAGE(schemas.contains(name), name);
  return schemas[name];
}

}  // namespace

TEST_CASE("the v3 index names a document for every group-version, by a hash of its content") {
  json index = json::parse(OpenApiDocuments::Get().V3Index());
  for (const char* group_version : {"api/v1", "apis/scheduling.k8s.io/v1", "apis/scheduling.x-k8s.io/v1alpha1",
                                    "apis/coordination.k8s.io/v1"}) {
    INFO(group_version);
    REQUIRE(index["paths"].contains(group_version));
    std::string url = index["paths"][group_version]["serverRelativeURL"];
    std::string prefix = std::string("/openapi/v3/") + group_version + "?hash=";
    REQUIRE(url.rfind(prefix, 0) == 0);
    std::string hash = url.substr(prefix.size());
    CHECK(hash.size() == 64);
    CHECK(hash.find_first_not_of("0123456789ABCDEF") == std::string::npos);
  }
  CHECK(OpenApiDocuments::Get().V3Document("apis/no.such.group/v1") == nullptr);
  // Two documents with different content must not share a URL, or clients
  // would keep one in place of the other.
  CHECK(index["paths"]["api/v1"]["serverRelativeURL"] !=
        index["paths"]["apis/scheduling.k8s.io/v1"]["serverRelativeURL"]);
}

TEST_CASE("kubectl explain finds pods by their group-version-kind, with the proto comments as descriptions") {
  json core = Document("api/v1");
  const json& pod = Schema(core, "gantry.api.Pod");
  REQUIRE(pod["x-kubernetes-group-version-kind"].size() == 1);
  CHECK(pod["x-kubernetes-group-version-kind"][0] == json{{"group", ""}, {"version", "v1"}, {"kind", "Pod"}});
  CHECK(pod["properties"].contains("apiVersion"));
  CHECK(pod["properties"]["spec"]["allOf"][0]["$ref"] == "#/components/schemas/gantry.api.PodSpec");

  const json& containers = Schema(core, "gantry.api.PodSpec")["properties"]["containers"];
  CHECK(containers["type"] == "array");
  CHECK(containers["items"]["allOf"][0]["$ref"] == "#/components/schemas/gantry.api.Container");
  CHECK(std::string(containers["description"]).find("containers of the pod") != std::string::npos);
  const json& container_name = Schema(core, "gantry.api.Container")["properties"]["name"];
  CHECK(container_name["type"] == "string");
  CHECK(std::string(container_name["description"]).find("unique within the pod") != std::string::npos);

  const json& list = Schema(core, "gantry.api.PodList");
  CHECK(list["x-kubernetes-group-version-kind"][0]["kind"] == "PodList");
  CHECK(list["properties"]["items"]["items"]["allOf"][0]["$ref"] == "#/components/schemas/gantry.api.Pod");
}

TEST_CASE("fields the Kubernetes schema requires are required here too") {
  json core = Document("api/v1");
  json required = Schema(core, "gantry.api.NodeSystemInfo")["required"];
  for (const char* field : {"machineID", "systemUUID", "bootID", "kubeProxyVersion"}) {
    CHECK_MESSAGE(std::find(required.begin(), required.end(), field) != required.end(), field);
  }
  CHECK_FALSE(Schema(core, "gantry.api.PodSpec").contains("required"));
}

TEST_CASE("lists say how kubectl apply merges them, as strategic merge patch does") {
  json core = Document("api/v1");
  const json& containers = Schema(core, "gantry.api.PodSpec")["properties"]["containers"];
  CHECK(containers["x-kubernetes-patch-merge-key"] == "name");
  CHECK(containers["x-kubernetes-patch-strategy"] == "merge");
  CHECK(containers["x-kubernetes-list-type"] == "map");
  CHECK(containers["x-kubernetes-list-map-keys"] == json::array({"name"}));
  const json& command = Schema(core, "gantry.api.Container")["properties"]["command"];
  CHECK(command["x-kubernetes-list-type"] == "atomic");
  CHECK_FALSE(command.contains("x-kubernetes-patch-merge-key"));
  const json& labels = Schema(core, "gantry.api.ObjectMeta")["properties"]["labels"];
  CHECK(labels["type"] == "object");
  CHECK(labels["additionalProperties"]["type"] == "string");
}

TEST_CASE("every served kind has its operations, and writes take the parameters kubectl sends") {
  json gang = Document("apis/scheduling.x-k8s.io/v1alpha1");
  const json& paths = gang["paths"];
  const std::string item = "/apis/scheduling.x-k8s.io/v1alpha1/namespaces/{namespace}/podgroups/{name}";
  REQUIRE(paths.contains(item));
  for (const char* verb : {"get", "put", "patch", "delete"}) CHECK_MESSAGE(paths[item].contains(verb), verb);
  CHECK(paths[item]["patch"]["x-kubernetes-action"] == "patch");
  CHECK(paths[item]["patch"]["x-kubernetes-group-version-kind"]["kind"] == "PodGroup");
  bool has_field_validation = false;
  for (const json& parameter : paths[item]["patch"]["parameters"]) {
    if (parameter["name"] == "fieldValidation") has_field_validation = true;
  }
  CHECK(has_field_validation);
  CHECK(paths.contains("/apis/scheduling.x-k8s.io/v1alpha1/podgroups"));
  CHECK(Schema(gang, "gantry.api.CoschedulingPodGroup")["x-kubernetes-group-version-kind"][0]["group"] == "scheduling.x-k8s.io");
}

TEST_CASE("the v2 document holds the same schemas, with direct references") {
  json v2 = json::parse(OpenApiDocuments::Get().V2Document());
  CHECK(v2["swagger"] == "2.0");
  const json& spec = v2["definitions"]["gantry.api.Pod"]["properties"]["spec"];
  CHECK(spec["$ref"] == "#/definitions/gantry.api.PodSpec");
  CHECK(v2["definitions"].contains("gantry.api.PodGroup"));
}
