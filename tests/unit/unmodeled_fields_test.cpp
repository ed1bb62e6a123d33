#include <doctest/doctest.h>

#include "api/unmodeled_fields.h"

using gantry::api::HoldsKubernetesDefault;
using nlohmann::json;

TEST_CASE("an unmodeled field holding Kubernetes' default needs no warning") {
  json pod = json::parse(R"({"spec": {"dnsPolicy": "ClusterFirst", "securityContext": {},
      "containers": [{"name": "c", "stdin": false, "tty": true, "livenessProbe": {"exec": {}}}]}})");
  CHECK(HoldsKubernetesDefault(pod, "spec.dnsPolicy"));
  CHECK(HoldsKubernetesDefault(pod, "spec.securityContext"));
  CHECK(HoldsKubernetesDefault(pod, "spec.containers[0].stdin"));
  CHECK_FALSE(HoldsKubernetesDefault(pod, "spec.containers[0].tty"));
  CHECK_FALSE(HoldsKubernetesDefault(pod, "spec.containers[0].livenessProbe"));
  pod["spec"]["dnsPolicy"] = "None";
  CHECK_FALSE(HoldsKubernetesDefault(pod, "spec.dnsPolicy"));
}

TEST_CASE("a path that leads nowhere holds nothing to warn about") {
  json pod = json::parse(R"({"spec": {"containers": [{"name": "c"}]}})");
  CHECK(HoldsKubernetesDefault(pod, "spec.containers[3].stdin"));
  CHECK(HoldsKubernetesDefault(pod, "spec.containers[x].stdin"));
  CHECK(HoldsKubernetesDefault(pod, "spec.containers.stdin"));
}
