#include <doctest/doctest.h>

#include "controllers/namespace_lifecycle.h"
#include "core.pb.h"
#include "temp_store.h"

using namespace gantry;

namespace {

const api::KindInfo& Namespaces() { return *api::FindKindByResource("", "v1", "namespaces"); }

void AddNamespace(TempStore& t, const std::string& name) {
  auto ns = std::make_unique<api::Namespace>();
  ns->mutable_metadata()->set_name(name);
  REQUIRE(t.store->Create(Namespaces(), std::move(ns)).ok());
}

void AddPod(TempStore& t, const std::string& ns, const std::string& name, const std::string& node) {
  auto pod = std::make_unique<api::Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_(ns);
  pod->mutable_spec()->set_node_name(node);
  pod->mutable_spec()->add_containers()->set_name("c");
  REQUIRE(t.store->Create(t.pods, std::move(pod)).ok());
}

void MarkDeleted(TempStore& t, const std::string& name) {
  auto current = t.store->Get(Namespaces(), "", name);
  REQUIRE(current.ok());
  auto marked = std::make_unique<api::Namespace>(static_cast<const api::Namespace&>(**current));
  marked->mutable_metadata()->set_deletion_timestamp("2026-12-02T00:00:00Z");
  marked->mutable_status()->set_phase("Terminating");
  REQUIRE(t.store->Update(Namespaces(), std::move(marked)).ok());
}

}  // namespace

TEST_CASE("a terminating namespace is emptied, bound pods gracefully, and then goes") {
  TempStore t;
  AddNamespace(t, "doomed");
  AddNamespace(t, "kept");
  AddPod(t, "doomed", "running", "node-a");
  AddPod(t, "doomed", "pending", "");
  AddPod(t, "kept", "other", "node-a");
  MarkDeleted(t, "doomed");
  controllers::NamespaceLifecycleController controller(*t.store);

  controller.Reconcile("doomed", absl::Now());
  CHECK(t.store->Get(t.pods, "doomed", "pending").status().code() == absl::StatusCode::kNotFound);
  auto running = t.store->Get(t.pods, "doomed", "running");
  REQUIRE(running.ok());
  CHECK_FALSE(static_cast<const api::Pod&>(**running).metadata().deletion_timestamp().empty());
  CHECK(t.store->Get(Namespaces(), "", "doomed").ok());  // its bound pod still terminates

  controller.Reconcile("doomed", absl::Now());
  CHECK(t.store->Get(Namespaces(), "", "doomed").ok());

  REQUIRE(t.store->Delete(t.pods, "doomed", "running").ok());  // the node confirmed
  controller.Reconcile("doomed", absl::Now());
  CHECK(t.store->Get(Namespaces(), "", "doomed").status().code() == absl::StatusCode::kNotFound);
  controller.Reconcile("kept", absl::Now());
  CHECK(t.store->Get(Namespaces(), "", "kept").ok());
  CHECK(t.store->Get(t.pods, "kept", "other").ok());
}

TEST_CASE("a large namespace drains in batches, and a stop leaves the rest for the next start") {
  TempStore t;
  AddNamespace(t, "big");
  std::vector<store::WriteOp> creates;
  for (int i = 0; i < 2500; ++i) {
    auto pod = std::make_unique<api::Pod>();
    pod->mutable_metadata()->set_name("p" + std::to_string(i));
    pod->mutable_metadata()->set_namespace_("big");
    pod->mutable_spec()->add_containers()->set_name("c");
    creates.push_back({store::WriteOp::Type::kCreate, &t.pods, "big", pod->metadata().name(), std::move(pod), {}});
  }
  for (const auto& created : t.store->Commit(std::move(creates))) REQUIRE(created.ok());
  MarkDeleted(t, "big");
  controllers::NamespaceLifecycleController controller(*t.store);

  std::stop_source stopping;
  stopping.request_stop();
  int64_t before = t.store->CurrentRevision();
  controller.Reconcile("big", absl::Now(), stopping.get_token());
  // One batch went (the stop is looked at between commits), the rest waits.
  CHECK(t.store->CurrentRevision() - before == 1000);
  CHECK(t.store->List(t.pods, {})->items.size() == 1500);
  CHECK(t.store->Get(Namespaces(), "", "big").ok());

  controller.Reconcile("big", absl::Now());
  CHECK(t.store->List(t.pods, {})->items.empty());
  CHECK(t.store->Get(Namespaces(), "", "big").status().code() == absl::StatusCode::kNotFound);
}
