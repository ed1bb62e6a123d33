#include <doctest/doctest.h>

#include "api/pod_template.h"
#include "controllers/replica_set.h"
#include "workload_fixture.h"

using namespace gantry;

namespace {

api::ReplicaSet NewReplicaSet(int replicas, int min_ready_seconds = 0) {
  api::ReplicaSet rs;
  rs.mutable_metadata()->set_name("web");
  rs.mutable_spec()->set_replicas(replicas);
  rs.mutable_spec()->set_min_ready_seconds(min_ready_seconds);
  (*rs.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = "web";
  *rs.mutable_spec()->mutable_template_() = WorkloadFixture::Template("web", "web:v1");
  return rs;
}

}  // namespace

TEST_CASE("a ReplicaSet creates its missing pods from the template, controlled by it") {
  WorkloadFixture f;
  api::ReplicaSet rs = f.Created(f.replica_sets, NewReplicaSet(3));
  controllers::ReplicaSetController controller(f.api);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  auto pods = f.Pods("app=web");
  REQUIRE(pods.size() == 3);
  for (const auto& pod : pods) {
    CHECK(pod.metadata().name().starts_with("web-"));
    CHECK(api::IsControlledBy(pod.metadata(), rs.metadata().uid()));
    CHECK(pod.spec().containers(0).image() == "web:v1");
    CHECK(pod.spec().scheduler_name() == "gantry");  // the API's defaults applied
  }
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  CHECK(f.Pods("app=web").size() == 3);  // nothing more once it has them
  CHECK(f.Read<api::ReplicaSet>(f.replica_sets, "web").status().replicas() == 3);
}

TEST_CASE("a ReplicaSet scaled down deletes unbound pods first, and bound ones gracefully") {
  WorkloadFixture f;
  f.Created(f.replica_sets, NewReplicaSet(3));
  controllers::ReplicaSetController controller(f.api);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  auto pods = f.Pods("app=web");
  f.SetPhase(pods[0], "Running");
  f.SetPhase(pods[1], "Running");
  api::ReplicaSet rs = f.Read<api::ReplicaSet>(f.replica_sets, "web");
  rs.mutable_spec()->set_replicas(1);
  f.Write(f.replica_sets, rs);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  auto left = f.Pods("app=web");
  REQUIRE(left.size() == 2);  // the unbound one went at once
  int terminating = 0;
  for (const auto& pod : left) {
    CHECK(pod.spec().node_name() == "node-a");
    terminating += !pod.metadata().deletion_timestamp().empty();
  }
  CHECK(terminating == 1);  // one running pod marked, its node confirms
  CHECK(f.Read<api::ReplicaSet>(f.replica_sets, "web").status().replicas() == 1);
}

TEST_CASE("a ReplicaSet counts ready pods, and available ones after minReadySeconds") {
  WorkloadFixture f;
  f.Created(f.replica_sets, NewReplicaSet(2, 30));
  controllers::ReplicaSetController controller(f.api);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  for (const auto& pod : f.Pods("app=web")) f.SetPhase(pod, "Running");
  auto again = controller.Reconcile("default/web", absl::Now());
  REQUIRE(again.ok());
  CHECK(*again > absl::ZeroDuration());  // looked at again when they become available
  auto status = f.Read<api::ReplicaSet>(f.replica_sets, "web").status();
  CHECK(status.ready_replicas() == 2);
  CHECK(status.available_replicas() == 0);
  REQUIRE(controller.Reconcile("default/web", absl::Now() + absl::Seconds(31)).ok());
  CHECK(f.Read<api::ReplicaSet>(f.replica_sets, "web").status().available_replicas() == 2);
}
