#include <doctest/doctest.h>

#include "agent/runtime/container_env.h"
#include "yaml_objects.h"

using gantry::agent::BuildContainerEnv;
using gantry::agent::ExpandVars;
using gantry::agent::NodeFacts;

namespace {

gantry::api::PodConfig Config() {
  gantry::api::PodConfig config;
  auto* cm = config.add_config_maps();
  cm->mutable_metadata()->set_name("app");
  (*cm->mutable_data())["greeting"] = "hello";
  (*cm->mutable_data())["mode"] = "fast";
  auto* secret = config.add_secrets();
  secret->mutable_metadata()->set_name("creds");
  (*secret->mutable_data())["password"] = "czNjcjN0";  // "s3cr3t"
  return config;
}

std::string Env(const gantry::agent::ContainerEnv& env) {
  std::string out;
  for (const auto& [name, value] : env.vars) out += name + "=" + value + ";";
  return out;
}

}  // namespace

TEST_CASE("env: envFrom first, then env in order, a later name winning, $(VAR) expanded") {
  auto pod = FromYaml<gantry::api::Pod>(R"yaml(
metadata: {name: p, namespace: ns}
spec:
  containers:
  - name: c
    envFrom:
    - {prefix: CFG_, configMapRef: {name: app}}
    - {secretRef: {name: creds}}
    env:
    - {name: CFG_mode, value: slow}
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app, key: greeting}}}
    - {name: PASS, valueFrom: {secretKeyRef: {name: creds, key: password}}}
    - {name: NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: OPTIONAL, valueFrom: {configMapKeyRef: {name: app, key: absent, optional: true}}}
    - {name: MIXED, value: "$(GREETING)/$(CFG_mode)/$(UNDEFINED)/$$(GREETING)"}
)yaml");
  NodeFacts node{{"10.0.0.5", "10.42.0.9"}, {}};
  auto env = BuildContainerEnv(*pod, pod->spec().containers(0), Config(), node);
  REQUIRE(env.ok());
  CHECK(Env(*env) ==
        "CFG_greeting=hello;CFG_mode=slow;password=s3cr3t;GREETING=hello;PASS=s3cr3t;NAME=p;IP=10.42.0.9;"
        "MIXED=hello/slow/$(UNDEFINED)/$(GREETING);");
}

TEST_CASE("env: a missing required object or key is an error naming it; optional ones are skipped") {
  auto pod = FromYaml<gantry::api::Pod>(R"yaml(
metadata: {name: p, namespace: ns}
spec:
  containers:
  - name: missing-key
    env: [{name: X, valueFrom: {configMapKeyRef: {name: app, key: nope}}}]
  - name: missing-secret
    env: [{name: X, valueFrom: {secretKeyRef: {name: gone, key: k}}}]
  - name: missing-envfrom
    envFrom: [{configMapRef: {name: gone}}]
  - name: optional
    envFrom: [{configMapRef: {name: gone, optional: true}}]
    env: [{name: X, valueFrom: {secretKeyRef: {name: gone, key: k, optional: true}}}]
)yaml");
  NodeFacts node;
  auto config = Config();
  auto key = BuildContainerEnv(*pod, pod->spec().containers(0), config, node);
  CHECK(key.status().message() == "couldn't find key nope in ConfigMap ns/app");
  auto secret = BuildContainerEnv(*pod, pod->spec().containers(1), config, node);
  CHECK(secret.status().message() == "secret \"gone\" not found");
  auto from = BuildContainerEnv(*pod, pod->spec().containers(2), config, node);
  CHECK(from.status().message() == "configmap \"gone\" not found");
  auto optional = BuildContainerEnv(*pod, pod->spec().containers(3), config, node);
  REQUIRE(optional.ok());
  CHECK(optional->vars.empty());
}

TEST_CASE("$(VAR) expansion follows Kubernetes' rules") {
  absl::flat_hash_map<std::string, std::string> vars = {{"A", "1"}, {"B", "two"}};
  CHECK(ExpandVars("$(A)-$(B)", vars) == "1-two");
  CHECK(ExpandVars("$$(A)", vars) == "$(A)");
  CHECK(ExpandVars("$(C)", vars) == "$(C)");
  CHECK(ExpandVars("$A $(A", vars) == "$A $(A");
  CHECK(ExpandVars("cost: 5$", vars) == "cost: 5$");
}
