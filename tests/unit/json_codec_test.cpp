#include <doctest/doctest.h>
#include <google/protobuf/util/message_differencer.h>

#include "api/json_codec.h"
#include "api/kinds.h"
#include "api/yaml_json.h"
#include "core.pb.h"

using namespace gantry::api;
using nlohmann::json;

TEST_CASE("a real pod manifest decodes and encodes with Kubernetes field names") {
  auto doc = ParseDocument(R"(
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  hostPID: true
  terminationGracePeriodSeconds: 45
  priority: 10
  containers:
  - name: c
    image: nginx:1.25
    command: ["nginx"]
    env: [{name: A, value: "1"}]
    resources:
      requests: {cpu: 1, memory: 512Mi}
      limits: {cpu: 1.5}
    ports: [{containerPort: 80, hostPort: 8080, hostIP: 0.0.0.0}]
  tolerations: [{key: k, operator: Exists, effect: NoSchedule, tolerationSeconds: 30}]
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: zone, operator: In, values: [a, b]}]
)");
  REQUIRE(doc.ok());
  const KindInfo* kind = FindKindByApiVersion("v1", "Pod");
  Pod pod;
  std::vector<std::string> unknown;
  REQUIRE(DecodeObject(*kind, *doc, &pod, &unknown).ok());
  CHECK(unknown.empty());
  CHECK(pod.spec().host_pid());
  CHECK(pod.spec().termination_grace_period_seconds() == 45);
  CHECK(pod.spec().containers(0).resources().requests().at("cpu") == "1");
  CHECK(pod.spec().containers(0).resources().limits().at("cpu") == "1.5");
  CHECK(pod.spec().containers(0).env(0).value() == "1");
  CHECK(pod.spec().containers(0).ports(0).host_ip() == "0.0.0.0");
  CHECK(pod.spec().affinity().node_affinity().required_during_scheduling_ignored_during_execution()
            .node_selector_terms(0).match_expressions(0).values_size() == 2);

  json out = EncodeObject(*kind, pod);
  CHECK(out["apiVersion"] == "v1");
  CHECK(out["kind"] == "Pod");
  CHECK(out["spec"]["hostPID"] == true);
  // int64 fields print as JSON numbers, not strings.
  CHECK(out["spec"]["terminationGracePeriodSeconds"].is_number_integer());
  CHECK(out["spec"]["tolerations"][0]["tolerationSeconds"] == 30);
  CHECK(out["spec"]["containers"][0]["ports"][0]["hostIP"] == "0.0.0.0");
  // Round trip.
  Pod again;
  REQUIRE(DecodeObject(*kind, out, &again, nullptr).ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(again, pod));
}

TEST_CASE("unknown fields are reported by path, not fatal") {
  const KindInfo* kind = FindKindByApiVersion("v1", "Pod");
  Pod pod;
  std::vector<std::string> unknown;
  json in = {{"metadata", {{"name", "x"}, {"bogus", 1}}},
             {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}, {"securityContext", json::object()}}}}}}};
  REQUIRE(DecodeObject(*kind, in, &pod, &unknown).ok());
  CHECK(unknown == std::vector<std::string>{"metadata.bogus", "spec.containers[0].securityContext"});
  CHECK(pod.spec().containers(0).image() == "i");
}

TEST_CASE("type mismatches are errors naming the field") {
  const KindInfo* kind = FindKindByApiVersion("v1", "Pod");
  Pod pod;
  auto s = DecodeObject(*kind, json{{"spec", {{"priority", "high"}}}}, &pod, nullptr);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("spec.priority") != std::string::npos);
  s = DecodeObject(*kind, json{{"metadata", {{"labels", {{"a", 1}}}}}}, &pod, nullptr);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("metadata.labels[a]") != std::string::npos);
  s = DecodeObject(*kind, json{{"kind", "Node"}}, &pod, nullptr);
  CHECK_FALSE(s.ok());
}

TEST_CASE("null fields are unset, as Kubernetes treats them") {
  const KindInfo* kind = FindKindByApiVersion("v1", "Pod");
  Pod pod;
  REQUIRE(DecodeObject(*kind, json{{"metadata", {{"name", "x"}, {"creationTimestamp", nullptr}}}}, &pod, nullptr).ok());
  CHECK(pod.metadata().creation_timestamp().empty());
}

TEST_CASE("YAML scalars are typed like Kubernetes' YAML reader types them") {
  auto doc = ParseDocument("a: 1\nb: \"1\"\nc: true\nd: 1.5\ne: hello\nf: ~\ng: 1e3\n");
  REQUIRE(doc.ok());
  CHECK((*doc)["a"].is_number_integer());
  CHECK((*doc)["b"].is_string());
  CHECK((*doc)["c"].is_boolean());
  CHECK((*doc)["d"].is_number_float());
  CHECK((*doc)["e"] == "hello");
  CHECK((*doc)["f"].is_null());
  CHECK((*doc)["g"].is_number_float());
}

TEST_CASE("multi-document streams and Lists expand into objects") {
  auto docs = ParseDocuments("a: 1\n---\n---\nb: 2\n");
  REQUIRE(docs.ok());
  CHECK(docs->size() == 2);
  docs = ParseDocuments(R"({"kind":"List","apiVersion":"v1","items":[{"a":1},{"b":2},{"c":3}]})");
  REQUIRE(docs.ok());
  CHECK(docs->size() == 3);
  CHECK_FALSE(ParseDocuments("{\"a\": ").ok());
  CHECK_FALSE(ParseDocuments("a: [1, 2\n").ok());
}

TEST_CASE("YAML output quotes strings that would read back as other types") {
  std::string yaml = ToYaml(json{{"n", "1"}, {"b", "true"}, {"s", "web"}, {"i", 3}});
  auto back = ParseDocument(yaml);
  REQUIRE(back.ok());
  CHECK((*back)["n"] == "1");
  CHECK((*back)["b"] == "true");
  CHECK((*back)["i"] == 3);
}

TEST_CASE("fields Kubernetes' schema requires are encoded even when empty") {
  Pod pod;
  pod.mutable_metadata()->set_name("p");
  pod.mutable_status()->add_container_statuses()->set_name("main");
  json out = EncodeJson(pod);
  const json& status = out["status"]["containerStatuses"][0];
  CHECK(status["imageID"] == "");
  CHECK(status["image"] == "");
  CHECK(status["ready"] == false);
  CHECK(status["restartCount"] == 0);
  CHECK_FALSE(status.contains("containerID"));  // optional in Kubernetes: still omitted

  Node node;
  node.mutable_status()->mutable_node_info()->set_kubelet_version("v1.32.0");
  json info = EncodeJson(node)["status"]["nodeInfo"];
  for (const char* field : {"machineID", "systemUUID", "bootID", "kernelVersion", "osImage",
                            "containerRuntimeVersion", "kubeProxyVersion", "operatingSystem", "architecture"}) {
    CHECK_MESSAGE(info[field] == "", field);
  }
  CHECK(info["kubeletVersion"] == "v1.32.0");

  Event event;
  json e = EncodeJson(event);
  CHECK(e["involvedObject"].is_object());
  CHECK(e["metadata"].is_object());
}
