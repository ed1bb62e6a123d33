#include <doctest/doctest.h>

#include <algorithm>

#include "api/pod_template.h"
#include "controllers/deployment.h"
#include "controllers/pod_template_hash.h"
#include "workload_fixture.h"

using namespace gantry;

namespace {

api::Deployment NewDeployment(int replicas, const std::string& surge, const std::string& unavailable) {
  api::Deployment d;
  d.mutable_metadata()->set_name("web");
  d.mutable_spec()->set_replicas(replicas);
  (*d.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = "web";
  *d.mutable_spec()->mutable_template_() = WorkloadFixture::Template("web", "web:v1");
  d.mutable_spec()->mutable_strategy()->mutable_rolling_update()->set_max_surge(surge);
  d.mutable_spec()->mutable_strategy()->mutable_rolling_update()->set_max_unavailable(unavailable);
  return d;
}

std::vector<api::ReplicaSet> ReplicaSetsByRevision(WorkloadFixture& f) {
  auto list = f.store->List(f.replica_sets, {});
  REQUIRE(list.ok());
  std::vector<api::ReplicaSet> out;
  for (const auto& item : list->items) out.push_back(static_cast<const api::ReplicaSet&>(*item));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.metadata().annotations().at(std::string(api::kRevisionAnnotation)) <
           b.metadata().annotations().at(std::string(api::kRevisionAnnotation));
  });
  return out;
}

// What the ReplicaSet controller would report once its pods are available.
void AllAvailable(WorkloadFixture& f, api::ReplicaSet rs) {
  rs = f.Read<api::ReplicaSet>(f.replica_sets, rs.metadata().name());
  int32_t n = rs.spec().replicas();
  rs.mutable_status()->set_replicas(n);
  rs.mutable_status()->set_ready_replicas(n);
  rs.mutable_status()->set_available_replicas(n);
  rs.mutable_status()->set_observed_generation(rs.metadata().generation());
  f.Write(f.replica_sets, rs);
}

}  // namespace

TEST_CASE("the pod template hash is stable and changes with the template") {
  auto v1 = WorkloadFixture::Template("web", "web:v1");
  auto v2 = WorkloadFixture::Template("web", "web:v2");
  CHECK(controllers::PodTemplateHash(v1, 0) == controllers::PodTemplateHash(v1, 0));
  CHECK(controllers::PodTemplateHash(v1, 0) != controllers::PodTemplateHash(v2, 0));
  CHECK(controllers::PodTemplateHash(v1, 0) != controllers::PodTemplateHash(v1, 1));
  for (char c : controllers::PodTemplateHash(v1, 0)) CHECK(std::string("bcdfghjklmnpqrstvwxz2456789").find(c) != std::string::npos);
}

TEST_CASE("a Deployment rolls onto a new ReplicaSet within maxSurge and maxUnavailable") {
  WorkloadFixture f;
  f.Created(f.deployments, NewDeployment(3, "1", "0"));
  controllers::DeploymentController controller(f.api);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  auto sets = ReplicaSetsByRevision(f);
  REQUIRE(sets.size() == 1);
  const std::string hash =
      controllers::PodTemplateHash(f.Read<api::Deployment>(f.deployments, "web").spec().template_(), 0);
  CHECK(sets[0].metadata().name() == "web-" + hash);
  CHECK(sets[0].spec().replicas() == 3);
  CHECK(sets[0].spec().selector().match_labels().at("pod-template-hash") == hash);
  CHECK(sets[0].metadata().annotations().at(std::string(api::kRevisionAnnotation)) == "1");
  AllAvailable(f, sets[0]);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  auto done = f.Read<api::Deployment>(f.deployments, "web");
  CHECK(done.status().available_replicas() == 3);
  CHECK(done.status().updated_replicas() == 3);
  CHECK(done.metadata().annotations().at(std::string(api::kRevisionAnnotation)) == "1");

  // v2: one surge pod first; no old pod goes until a new one is available.
  done.mutable_spec()->mutable_template_()->mutable_spec()->mutable_containers(0)->set_image("web:v2");
  f.Write(f.deployments, done);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  sets = ReplicaSetsByRevision(f);
  REQUIRE(sets.size() == 2);
  CHECK(sets[0].spec().replicas() == 3);
  CHECK(sets[1].spec().replicas() == 1);
  CHECK(sets[1].metadata().annotations().at(std::string(api::kRevisionAnnotation)) == "2");
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  sets = ReplicaSetsByRevision(f);
  CHECK(sets[0].spec().replicas() == 3);  // the new pod is not available yet
  AllAvailable(f, sets[1]);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  sets = ReplicaSetsByRevision(f);
  CHECK(sets[0].spec().replicas() == 2);
  CHECK(sets[1].spec().replicas() == 1);  // its surge is spent until the old one shrinks
  auto progressing = f.Read<api::Deployment>(f.deployments, "web").status();
  CHECK(progressing.conditions(1).reason() == "ReplicaSetUpdated");
}

TEST_CASE("Recreate scales the old ReplicaSet to zero before the new one gets pods") {
  WorkloadFixture f;
  api::Deployment d = NewDeployment(2, "", "");
  d.mutable_spec()->mutable_strategy()->clear_rolling_update();
  d.mutable_spec()->mutable_strategy()->set_type("Recreate");
  f.Created(f.deployments, d);
  controllers::DeploymentController controller(f.api);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  AllAvailable(f, ReplicaSetsByRevision(f)[0]);
  d = f.Read<api::Deployment>(f.deployments, "web");
  d.mutable_spec()->mutable_template_()->mutable_spec()->mutable_containers(0)->set_image("web:v2");
  f.Write(f.deployments, d);
  REQUIRE(controller.Reconcile("default/web", absl::Now()).ok());
  auto sets = ReplicaSetsByRevision(f);
  REQUIRE(sets.size() == 2);
  CHECK(sets[0].spec().replicas() == 0);
  CHECK(sets[1].spec().replicas() == 0);  // its old pods still run
}
