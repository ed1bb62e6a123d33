#include <doctest/doctest.h>

#include "api/downward_api.h"

using namespace gantry::api;

namespace {

Pod ExamplePod() {
  Pod pod;
  pod.mutable_metadata()->set_name("web-1");
  pod.mutable_metadata()->set_namespace_("shop");
  pod.mutable_metadata()->set_uid("u-1");
  (*pod.mutable_metadata()->mutable_labels())["app"] = "web";
  (*pod.mutable_metadata()->mutable_annotations())["team"] = "a";
  pod.mutable_spec()->set_node_name("node-a");
  pod.mutable_spec()->set_service_account_name("builder");
  return pod;
}

}  // namespace

TEST_CASE("fieldRef paths resolve as Kubernetes' downward API does") {
  Pod pod = ExamplePod();
  const PodAddresses kAddresses{"10.0.0.5", "10.42.0.7"};
  CHECK(*PodFieldValue(pod, "metadata.name", kAddresses) == "web-1");
  CHECK(*PodFieldValue(pod, "metadata.namespace", kAddresses) == "shop");
  CHECK(*PodFieldValue(pod, "metadata.uid", kAddresses) == "u-1");
  CHECK(*PodFieldValue(pod, "metadata.labels['app']", kAddresses) == "web");
  CHECK(PodFieldValue(pod, "metadata.labels['missing']", kAddresses)->empty());
  CHECK(*PodFieldValue(pod, "metadata.annotations['team']", kAddresses) == "a");
  CHECK(*PodFieldValue(pod, "spec.nodeName", kAddresses) == "node-a");
  CHECK(*PodFieldValue(pod, "spec.serviceAccountName", kAddresses) == "builder");
  CHECK(*PodFieldValue(pod, "status.podIP", kAddresses) == "10.42.0.7");
  CHECK(*PodFieldValue(pod, "status.hostIP", kAddresses) == "10.0.0.5");
  CHECK_FALSE(PodFieldValue(pod, "spec.containers", kAddresses).ok());
  CHECK_FALSE(IsEnvFieldPath("metadata.labels"));
  CHECK_FALSE(IsEnvFieldPath("metadata.labels['']"));
  CHECK(IsEnvFieldPath("metadata.annotations['x']"));
}

TEST_CASE("resourceFieldRef divides by the divisor rounding up; an unset limit is the node's allocatable") {
  Container c;
  (*c.mutable_resources()->mutable_requests())["cpu"] = "250m";
  (*c.mutable_resources()->mutable_limits())["memory"] = "64Mi";
  google::protobuf::Map<std::string, std::string> node;
  node["cpu"] = "4";
  ResourceFieldSelector s;
  s.set_resource("requests.cpu");
  CHECK(*ResourceFieldValue(c, s, node) == "1");  // 250m in cores, rounded up
  s.set_divisor("1m");
  CHECK(*ResourceFieldValue(c, s, node) == "250");
  s.set_resource("limits.memory");
  s.set_divisor("1Mi");
  CHECK(*ResourceFieldValue(c, s, node) == "64");
  s.set_divisor("");
  CHECK(*ResourceFieldValue(c, s, node) == "67108864");
  s.set_resource("limits.cpu");
  CHECK(*ResourceFieldValue(c, s, node) == "4");
  s.set_resource("limits.gpu");
  CHECK_FALSE(ResourceFieldValue(c, s, node).ok());
}
