#include <doctest/doctest.h>

#include "api/defaults.h"
#include "api/errors.h"
#include "api/kinds.h"
#include "api/validation.h"
#include "core.pb.h"
#include "scheduling.pb.h"

using namespace gantry::api;

namespace {
Pod GoodPod() {
  Pod pod;
  pod.mutable_metadata()->set_name("web-1");
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("main");
  c->set_image("busybox");
  (*c->mutable_resources()->mutable_requests())["cpu"] = "100m";
  ApplyDefaults(*FindKindByApiVersion("v1", "Pod"), &pod);
  return pod;
}

std::vector<std::string> Fields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const auto& c : DetailsOf(s).causes) out.push_back(c.field);
  return out;
}
}  // namespace

TEST_CASE("defaults fill what Kubernetes fills") {
  Pod pod = GoodPod();
  CHECK(pod.spec().restart_policy() == "Always");
  CHECK(pod.spec().termination_grace_period_seconds() == 30);
  CHECK(pod.spec().scheduler_name() == "gantry");
  CHECK(pod.status().phase() == "Pending");
  CHECK(pod.status().qos_class() == "Burstable");
  CHECK(pod.spec().containers(0).image_pull_policy() == "Always");
}

TEST_CASE("QoS classes") {
  Pod pod = GoodPod();
  auto* res = pod.mutable_spec()->mutable_containers(0)->mutable_resources();
  res->clear_requests();
  CHECK(QosClassOf(pod.spec()) == "BestEffort");
  (*res->mutable_limits())["cpu"] = "1";
  (*res->mutable_limits())["memory"] = "1Gi";
  ApplyDefaults(*FindKindByApiVersion("v1", "Pod"), &pod);  // requests default to limits
  CHECK(QosClassOf(pod.spec()) == "Guaranteed");
  (*res->mutable_requests())["cpu"] = "500m";
  CHECK(QosClassOf(pod.spec()) == "Burstable");
}

TEST_CASE("a valid pod passes; invalid fields are named") {
  const KindInfo& kind = *FindKindByApiVersion("v1", "Pod");
  CHECK(Validate(kind, GoodPod(), nullptr).ok());

  Pod bad = GoodPod();
  bad.mutable_metadata()->set_name("Bad_Name");
  bad.mutable_spec()->mutable_containers(0)->clear_image();
  (*bad.mutable_spec()->mutable_containers(0)->mutable_resources()->mutable_requests())["memory"] = "12qq";
  bad.mutable_spec()->set_restart_policy("Sometimes");
  auto* t = bad.mutable_spec()->add_tolerations();
  t->set_key("k");
  t->set_operator_("Exists");
  t->set_value("v");
  absl::Status s = Validate(kind, bad, nullptr);
  REQUIRE_FALSE(s.ok());
  CHECK(DetailsOf(s).code == 422);
  auto fields = Fields(s);
  for (const char* f : {"metadata.name", "spec.containers[0].image", "spec.containers[0].resources.requests[memory]",
                        "spec.restartPolicy", "spec.tolerations[0].operator"}) {
    CAPTURE(f);
    CHECK(std::find(fields.begin(), fields.end(), f) != fields.end());
  }
  CHECK(std::string(s.message()).find("Pod \"Bad_Name\" is invalid") == 0);
}

TEST_CASE("requests above limits, negative quantities, bad affinity operators") {
  const KindInfo& kind = *FindKindByApiVersion("v1", "Pod");
  Pod pod = GoodPod();
  auto* res = pod.mutable_spec()->mutable_containers(0)->mutable_resources();
  (*res->mutable_requests())["cpu"] = "2";
  (*res->mutable_limits())["cpu"] = "1";
  (*res->mutable_requests())["memory"] = "-1Mi";
  auto* term = pod.mutable_spec()->mutable_affinity()->mutable_node_affinity()
                   ->mutable_required_during_scheduling_ignored_during_execution()->add_node_selector_terms();
  auto* expr = term->add_match_expressions();
  expr->set_key("zone");
  expr->set_operator_("Near");
  auto fields = Fields(Validate(kind, pod, nullptr));
  CHECK(fields.size() == 3);
}

TEST_CASE("pod spec is immutable on update except images") {
  const KindInfo& kind = *FindKindByApiVersion("v1", "Pod");
  Pod old = GoodPod();
  Pod changed = old;
  changed.mutable_spec()->mutable_containers(0)->set_image("busybox:2");
  CHECK(Validate(kind, changed, &old).ok());
  changed.mutable_spec()->mutable_containers(0)->add_command("sh");
  CHECK_FALSE(Validate(kind, changed, &old).ok());
  // As in Kubernetes, nodeName is set by pods/binding, never by an update.
  Pod bound = old;
  bound.mutable_spec()->set_node_name("n1");
  CHECK_FALSE(Validate(kind, bound, &old).ok());
  Pod moved = bound;
  moved.mutable_spec()->set_node_name("n2");
  CHECK_FALSE(Validate(kind, moved, &bound).ok());
}

TEST_CASE("pod tolerations may only be added on update") {
  const KindInfo& kind = *FindKindByApiVersion("v1", "Pod");
  Pod old = GoodPod();
  auto* t = old.mutable_spec()->add_tolerations();
  t->set_key("a");
  t->set_operator_("Exists");
  Pod added = old;
  auto* more = added.mutable_spec()->add_tolerations();
  more->set_key("b");
  more->set_operator_("Exists");
  CHECK(Validate(kind, added, &old).ok());
  Pod replaced = old;
  replaced.mutable_spec()->mutable_tolerations(0)->set_key("b");
  CHECK_FALSE(Validate(kind, replaced, &old).ok());
  Pod dropped = old;
  dropped.mutable_spec()->clear_tolerations();
  CHECK_FALSE(Validate(kind, dropped, &old).ok());
}

TEST_CASE("nodes, priority classes and pod groups") {
  Node node;
  node.mutable_metadata()->set_name("n1");
  auto* taint = node.mutable_spec()->add_taints();
  taint->set_key("dedicated");
  taint->set_effect("NoSchedule");
  (*node.mutable_status()->mutable_capacity())["cpu"] = "4";
  CHECK(Validate(*FindKindByApiVersion("v1", "Node"), node, nullptr).ok());
  taint->set_effect("Sometimes");
  CHECK_FALSE(Validate(*FindKindByApiVersion("v1", "Node"), node, nullptr).ok());

  PriorityClass pc;
  pc.mutable_metadata()->set_name("high");
  const KindInfo& pck = *FindKindByApiVersion("scheduling.k8s.io/v1", "PriorityClass");
  CHECK_FALSE(Validate(pck, pc, nullptr).ok());  // value is required
  pc.set_value(1000);
  CHECK(Validate(pck, pc, nullptr).ok());
  PriorityClass changed = pc;
  changed.set_value(5);
  CHECK_FALSE(Validate(pck, changed, &pc).ok());

  PodGroup pg;
  pg.mutable_metadata()->set_name("g");
  const KindInfo& pgk = *FindKindByApiVersion("scheduling.gantry.io/v1alpha1", "PodGroup");
  CHECK_FALSE(Validate(pgk, pg, nullptr).ok());
  pg.mutable_spec()->set_min_member(3);
  CHECK(Validate(pgk, pg, nullptr).ok());
}
