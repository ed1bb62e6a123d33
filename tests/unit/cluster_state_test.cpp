#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include <filesystem>

#include "api/kinds.h"
#include "cluster/cluster_state.h"
#include "store/sqlite_store.h"
#include "temp_store.h"
#include "yaml_objects.h"

using namespace gantry;

namespace {

struct Fixture : TempStore {

  void Node(const std::string& name) {
    auto n = FromYaml<api::Node>(absl::StrCat("metadata: {name: ", name, "}\nstatus: {allocatable: {cpu: 4, memory: 8Gi, pods: 10}}"));
    REQUIRE(store->Create(nodes, std::make_unique<api::Node>(*n)).ok());
  }
  std::shared_ptr<api::Pod> Pod(const std::string& name, const std::string& node, const std::string& phase = "Running") {
    auto p = FromYaml<api::Pod>(absl::StrCat(
        "metadata: {name: ", name, ", namespace: default}\n"
        "spec: {nodeName: '", node, "', containers: [{name: c, image: i, resources: {requests: {cpu: 500m}}}]}\n"
        "status: {phase: ", phase, "}"));
    return p;
  }
};

// The feed is asynchronous: wait until the node's cpu request reaches `want`.
int64_t WaitForCpu(const cluster::ClusterState& state, const std::string& node, int64_t want) {
  int64_t got = -1;
  for (int i = 0; i < 200; ++i) {
    got = state.Read([&](const cluster::NodeTable& t) -> int64_t {
      auto idx = t.Find(node);
      return idx ? t.requested(*idx)[cluster::kCpu] : -1;
    });
    if (got == want) return got;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return got;
}

// An assumption without the binder's placement check.
absl::Status AssumeUnchecked(cluster::ClusterState& state, std::shared_ptr<const api::Pod> pod, const std::string& node) {
  return state.Assume(std::move(pod), node, [](const cluster::NodeTable&, uint32_t) { return absl::OkStatus(); });
}

}  // namespace

TEST_CASE("cluster state follows the store: nodes, bound pods, finished and deleted pods") {
  Fixture f;
  f.Node("n1");
  REQUIRE(f.store->Create(f.pods, std::make_unique<api::Pod>(*f.Pod("a", "n1"))).ok());
  cluster::ClusterState state(*f.store);
  REQUIRE(state.Start().ok());
  CHECK(WaitForCpu(state, "n1", 500) == 500);  // existing state is loaded

  REQUIRE(f.store->Create(f.pods, std::make_unique<api::Pod>(*f.Pod("b", "n1"))).ok());
  CHECK(WaitForCpu(state, "n1", 1000) == 1000);
  REQUIRE(f.store->Create(f.pods, std::make_unique<api::Pod>(*f.Pod("pending", ""))).ok());
  REQUIRE(f.store->Update(f.pods, std::make_unique<api::Pod>(*f.Pod("b", "n1", "Succeeded"))).ok());
  CHECK(WaitForCpu(state, "n1", 500) == 500);  // a finished pod frees its node
  REQUIRE(f.store->Delete(f.pods, "default", "a").ok());
  CHECK(WaitForCpu(state, "n1", 0) == 0);

  // A pod bound to a node the state has not seen yet is charged when it appears.
  REQUIRE(f.store->Create(f.pods, std::make_unique<api::Pod>(*f.Pod("early", "n2"))).ok());
  absl::SleepFor(absl::Milliseconds(50));
  f.Node("n2");
  CHECK(WaitForCpu(state, "n2", 500) == 500);
  REQUIRE(f.store->Delete(f.nodes, "", "n2").ok());
  CHECK(WaitForCpu(state, "n2", -1) == -1);
  state.Stop();
}

TEST_CASE("assumed placements are charged at once and never twice") {
  Fixture f;
  f.Node("n1");
  cluster::ClusterState state(*f.store);
  REQUIRE(state.Start().ok());
  REQUIRE(WaitForCpu(state, "n1", 0) == 0);

  auto pod = f.Pod("p", "");
  REQUIRE(f.store->Create(f.pods, std::make_unique<api::Pod>(*pod)).ok());
  REQUIRE(AssumeUnchecked(state, pod, "n1").ok());
  CHECK(WaitForCpu(state, "n1", 500) == 500);
  CHECK_FALSE(AssumeUnchecked(state, pod, "n1").ok());  // one placement per pod
  CHECK_FALSE(AssumeUnchecked(state, f.Pod("q", ""), "missing-node").ok());

  // The binding lands: still charged once.
  REQUIRE(f.store->Update(f.pods, std::make_unique<api::Pod>(*f.Pod("p", "n1"))).ok());
  absl::SleepFor(absl::Milliseconds(100));
  CHECK(WaitForCpu(state, "n1", 500) == 500);
  state.Forget(*pod);  // no longer an assumption: nothing to forget
  CHECK(WaitForCpu(state, "n1", 500) == 500);

  // A failed binding is forgotten and frees the node.
  auto other = f.Pod("r", "");
  REQUIRE(AssumeUnchecked(state, other, "n1").ok());
  CHECK(WaitForCpu(state, "n1", 1000) == 1000);
  state.Forget(*other);
  CHECK(WaitForCpu(state, "n1", 500) == 500);
  state.Stop();
}

TEST_CASE("snapshots copy only what changed and always catch up") {
  Fixture f;
  f.Node("n1");
  f.Node("n2");
  cluster::ClusterState state(*f.store);
  REQUIRE(state.Start().ok());
  CHECK(WaitForCpu(state, "n2", 0) == 0);
  cluster::Snapshot snap;
  CHECK(state.Refresh(snap));
  CHECK_FALSE(state.Refresh(snap));  // nothing new
  REQUIRE(snap.nodes.size() == 2);
  uint64_t static_epoch = snap.nodes.static_epoch();

  REQUIRE(AssumeUnchecked(state, f.Pod("a", ""), "n1").ok());
  CHECK(state.Refresh(snap));
  CHECK(snap.nodes.requested(*snap.nodes.Find("n1"))[cluster::kCpu] == 500);
  REQUIRE(AssumeUnchecked(state, f.Pod("b", ""), "n2").ok());
  REQUIRE(AssumeUnchecked(state, f.Pod("c", ""), "n1").ok());
  CHECK(state.Refresh(snap));
  CHECK(snap.nodes.requested(*snap.nodes.Find("n1"))[cluster::kCpu] == 1000);
  CHECK(snap.nodes.requested(*snap.nodes.Find("n2"))[cluster::kCpu] == 500);
  CHECK(snap.nodes.pods(*snap.nodes.Find("n1")).size() == 2);
  CHECK(snap.nodes.static_epoch() == static_epoch);  // usage is not a static change

  state.SetPartition("n2", 1);
  CHECK(state.Refresh(snap));
  CHECK(snap.nodes.partition(*snap.nodes.Find("n2")) == 1);
  CHECK(snap.nodes.static_epoch() != static_epoch);
}
