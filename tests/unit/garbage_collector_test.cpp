#include <doctest/doctest.h>

#include "api/pod_template.h"
#include "controllers/garbage_collector.h"
#include "controllers/watch_feed.h"
#include "workload_fixture.h"

using namespace gantry;

namespace {

// A ReplicaSet named `name` owning `pods` pods (one bound to a node); the
// collector runs on its watches.
struct Owned {
  api::ReplicaSet owner;
  std::vector<std::string> pods;
};

Owned MakeOwned(WorkloadFixture& f, const std::string& name, int pods) {
  api::ReplicaSet rs;
  rs.mutable_metadata()->set_name(name);
  (*rs.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = name;
  *rs.mutable_spec()->mutable_template_() = WorkloadFixture::Template(name, "x");
  Owned out{f.Created(f.replica_sets, rs), {}};
  for (int i = 0; i < pods; ++i) {
    api::Pod pod = api::PodFromTemplate(out.owner.spec().template_(), f.replica_sets, out.owner.metadata(),
                                        name + "-");
    out.pods.push_back(f.Created(f.pods, pod).metadata().name());
  }
  return out;
}

void MarkDeleted(WorkloadFixture& f, const std::string& name, const std::string& finalizer) {
  api::ReplicaSet rs = f.Read<api::ReplicaSet>(f.replica_sets, name);
  rs.mutable_metadata()->set_deletion_timestamp(NowRfc3339());
  rs.mutable_metadata()->add_finalizers(finalizer);
  f.Write(f.replica_sets, rs);
}

// The collector and the feed it follows, as the server runs them; the feed
// stops before the collector goes.
struct RunningCollector {
  explicit RunningCollector(WorkloadFixture& f) : gc(f.api), feed(f.api, "garbage collector") {
    REQUIRE(gc.Start(feed).ok());
    REQUIRE(feed.Start().ok());
  }
  controllers::GarbageCollector gc;
  controllers::WatchFeed feed;
};

}  // namespace

TEST_CASE("a dependent whose owner is gone is deleted (background cascading)") {
  WorkloadFixture f;
  Owned owned = MakeOwned(f, "web", 2);
  MakeOwned(f, "other", 1);
  RunningCollector running(f);
  REQUIRE(f.store->Delete(f.replica_sets, "default", "web").ok());
  CHECK(Eventually([&] { return f.Pods("app=web").empty(); }));
  CHECK(f.Pods("app=other").size() == 1);  // another owner's pods stay
}

TEST_CASE("an owner deleted with Orphan releases its dependents, then goes") {
  WorkloadFixture f;
  Owned owned = MakeOwned(f, "web", 2);
  RunningCollector running(f);
  MarkDeleted(f, "web", "orphan");
  CHECK(Eventually([&] { return absl::IsNotFound(f.store->Get(f.replica_sets, "default", "web").status()); }));
  auto pods = f.Pods("app=web");
  REQUIRE(pods.size() == 2);
  for (const auto& pod : pods) CHECK(pod.metadata().owner_references().empty());
}

TEST_CASE("an owner deleted in the Foreground waits until its dependents are gone") {
  WorkloadFixture f;
  Owned owned = MakeOwned(f, "web", 2);
  f.SetPhase(f.Read<api::Pod>(f.pods, owned.pods[0]), "Running");  // bound: deleted gracefully
  RunningCollector running(f);
  MarkDeleted(f, "web", "foregroundDeletion");
  CHECK(Eventually([&] { return f.Pods("app=web").size() == 1; }));  // the unbound pod went at once
  CHECK_FALSE(f.Read<api::Pod>(f.pods, owned.pods[0]).metadata().deletion_timestamp().empty());
  CHECK(f.store->Get(f.replica_sets, "default", "web").ok());  // waits for its terminating pod
  REQUIRE(f.store->Delete(f.pods, "default", owned.pods[0]).ok());  // its node confirmed
  CHECK(Eventually([&] { return absl::IsNotFound(f.store->Get(f.replica_sets, "default", "web").status()); }));
}
