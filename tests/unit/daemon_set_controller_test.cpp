#include <doctest/doctest.h>

#include <set>

#include "controllers/daemon_set.h"
#include "workload_fixture.h"

using namespace gantry;

namespace {

void AddNode(WorkloadFixture& f, const std::string& name, const std::string& role, const std::string& taint = "") {
  api::Node node;
  node.mutable_metadata()->set_name(name);
  (*node.mutable_metadata()->mutable_labels())["role"] = role;
  if (!taint.empty()) {
    auto* t = node.mutable_spec()->add_taints();
    t->set_key(taint);
    t->set_effect("NoSchedule");
  }
  REQUIRE(f.store->Create(f.nodes, std::make_unique<api::Node>(node)).ok());
}

api::DaemonSet NewDaemonSet() {
  api::DaemonSet ds;
  ds.mutable_metadata()->set_name("agent");
  (*ds.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = "agent";
  *ds.mutable_spec()->mutable_template_() = WorkloadFixture::Template("agent", "agent:v1");
  (*ds.mutable_spec()->mutable_template_()->mutable_spec()->mutable_node_selector())["role"] = "worker";
  return ds;
}

std::string TargetOf(const api::Pod& pod) {
  return pod.spec().affinity().node_affinity().required_during_scheduling_ignored_during_execution()
      .node_selector_terms(0).match_fields(0).values(0);
}

}  // namespace

TEST_CASE("a daemon pod belongs on nodes its selector matches and whose taints it tolerates") {
  api::PodTemplateSpec t = NewDaemonSet().spec().template_();
  api::Node node;
  (*node.mutable_metadata()->mutable_labels())["role"] = "worker";
  CHECK(controllers::ShouldRunDaemonPod(t, node));
  auto* taint = node.mutable_spec()->add_taints();
  taint->set_key("node.kubernetes.io/unschedulable");  // a cordon keeps no daemon out
  taint->set_effect("NoSchedule");
  CHECK(controllers::ShouldRunDaemonPod(t, node));
  taint->set_key("dedicated");
  CHECK_FALSE(controllers::ShouldRunDaemonPod(t, node));
  taint->set_effect("PreferNoSchedule");
  CHECK(controllers::ShouldRunDaemonPod(t, node));
  (*node.mutable_metadata()->mutable_labels())["role"] = "db";
  CHECK_FALSE(controllers::ShouldRunDaemonPod(t, node));
}

TEST_CASE("a DaemonSet creates one pod per matching node, pinned there by node affinity") {
  WorkloadFixture f;
  AddNode(f, "w1", "worker");
  AddNode(f, "w2", "worker");
  AddNode(f, "db", "db");
  AddNode(f, "gpu", "worker", "dedicated");
  f.Created(*api::FindKindByResource("apps", "v1", "daemonsets"), NewDaemonSet());
  controllers::DaemonSetController controller(f.api);
  REQUIRE(controller.Reconcile("default/agent", absl::Now()).ok());
  auto pods = f.Pods("app=agent");
  REQUIRE(pods.size() == 2);
  std::set<std::string> targets;
  for (const auto& pod : pods) {
    targets.insert(TargetOf(pod));
    CHECK(pod.metadata().labels().contains(controllers::kControllerRevisionHashLabel));
    CHECK(pod.spec().node_name().empty());  // placed by the scheduler
  }
  CHECK(targets == std::set<std::string>{"w1", "w2"});
  REQUIRE(controller.Reconcile("default/agent", absl::Now()).ok());
  CHECK(f.Pods("app=agent").size() == 2);
  auto status = f.Read<api::DaemonSet>(*api::FindKindByResource("apps", "v1", "daemonsets"), "agent").status();
  CHECK(status.desired_number_scheduled() == 2);
  CHECK(status.current_number_scheduled() == 2);
}

TEST_CASE("a DaemonSet's rolling update replaces at most maxUnavailable available pods at a time") {
  WorkloadFixture f;
  const auto& daemon_sets = *api::FindKindByResource("apps", "v1", "daemonsets");
  AddNode(f, "w1", "worker");
  AddNode(f, "w2", "worker");
  AddNode(f, "w3", "worker");
  f.Created(daemon_sets, NewDaemonSet());
  controllers::DaemonSetController controller(f.api);
  REQUIRE(controller.Reconcile("default/agent", absl::Now()).ok());
  for (const auto& pod : f.Pods("app=agent")) f.SetPhase(pod, "Running", 0, TargetOf(pod));
  auto ds = f.Read<api::DaemonSet>(daemon_sets, "agent");
  ds.mutable_spec()->mutable_template_()->mutable_spec()->mutable_containers(0)->set_image("agent:v2");
  f.Write(daemon_sets, ds);
  REQUIRE(controller.Reconcile("default/agent", absl::Now()).ok());
  int terminating = 0;
  for (const auto& pod : f.Pods("app=agent")) terminating += !pod.metadata().deletion_timestamp().empty();
  CHECK(terminating == 1);  // maxUnavailable defaults to 1
  REQUIRE(controller.Reconcile("default/agent", absl::Now()).ok());
  terminating = 0;
  for (const auto& pod : f.Pods("app=agent")) terminating += !pod.metadata().deletion_timestamp().empty();
  CHECK(terminating == 1);  // the next waits until that node's new pod is available
}
