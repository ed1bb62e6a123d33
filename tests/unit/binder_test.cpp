#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/clock.h>

#include <filesystem>
#include <functional>

#include "api/kinds.h"
#include "api/pod_conditions.h"
#include "binder/binder.h"
#include "cluster/cluster_state.h"
#include "server/scheduling_pipeline.h"
#include "store/sqlite_store.h"
#include "temp_store.h"
#include "yaml_objects.h"

using namespace gantry;

namespace {

struct Fixture : TempStore {
  void Node(const std::string& name, const std::string& cpu) {
    auto n = FromYaml<api::Node>(
        absl::StrCat("metadata: {name: ", name, "}\nstatus: {allocatable: {cpu: '", cpu, "', memory: 8Gi, pods: 10}}"));
    REQUIRE(store->Create(nodes, std::make_unique<api::Node>(*n)).ok());
  }
  std::shared_ptr<const api::Pod> Pod(const std::string& name) {
    auto p = FromYaml<api::Pod>(absl::StrCat("metadata: {name: ", name, ", namespace: default, uid: u-", name,
                                             "}\nspec: {containers: [{name: c, image: i, resources: "
                                             "{requests: {cpu: 600m}}}]}"));
    auto created = store->Create(pods, std::make_unique<api::Pod>(*p));
    REQUIRE(created.ok());
    return std::static_pointer_cast<const api::Pod>(*created);
  }
  std::shared_ptr<const api::Pod> Get(const std::string& name) {
    auto got = store->Get(pods, "default", name);
    return got.ok() ? std::static_pointer_cast<const api::Pod>(*got) : nullptr;
  }
};

// Polls `done` for up to 10 s: the pipeline's threads work asynchronously.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

struct RecordingFeedback final : dispatcher::SchedulingFeedback {
  absl::Mutex mu;
  std::vector<std::string> events;
  void Record(const std::string& what, const dispatcher::Unit& unit) {
    absl::MutexLock lock(&mu);
    events.push_back(absl::StrCat(what, " ", unit.key));
  }
  void Bound(const dispatcher::Unit& u) override { Record("bound", u); }
  void Unschedulable(const dispatcher::Unit& u, const std::string&) override { Record("unschedulable", u); }
  void Conflict(const dispatcher::Unit& u) override { Record("conflict", u); }
  void Retry(const dispatcher::Unit& u) override { Record("retry", u); }
};

dispatcher::Proposal Propose(std::shared_ptr<const api::Pod> pod, const std::string& node) {
  dispatcher::Unit unit;
  unit.key = absl::StrCat(pod->metadata().namespace_(), "/", pod->metadata().name());
  unit.pods.push_back(std::move(pod));
  return {unit, {node}, {}};
}

int64_t RequestedCpu(const cluster::ClusterState& state, const std::string& node) {
  return state.Read([&](const cluster::NodeTable& t) -> int64_t {
    auto i = t.Find(node);
    return i ? t.requested(*i)[cluster::kCpu] : -1;
  });
}

// A binder over a started cluster state that has seen node n1.
struct BinderRig {
  cluster::ClusterState state;
  scheduler::Profile profile = scheduler::DefaultProfile();
  RecordingFeedback feedback;
  store::EventRecorder events;
  binder::Binder binder;

  explicit BinderRig(store::Store& store) : state(store), events(store), binder(store, state, profile, feedback, events) {
    REQUIRE(state.Start().ok());
    REQUIRE(Eventually([&] { return RequestedCpu(state, "n1") == 0; }));
  }
};

}  // namespace

TEST_CASE("binder race: two shards choose the same last free slot; exactly one binds there") {
  Fixture f;
  f.Node("n1", "1");
  auto a = f.Pod("a");
  auto b = f.Pod("b");
  BinderRig rig(*f.store);
  cluster::ClusterState& state = rig.state;
  RecordingFeedback& feedback = rig.feedback;
  binder::Binder& binder = rig.binder;

  // Both shards saw n1 empty; their proposals reach the binder together.
  binder.BindBatch({Propose(a, "n1"), Propose(b, "n1")});
  CHECK(feedback.events == std::vector<std::string>{"conflict default/b", "bound default/a"});
  CHECK(f.Get("a")->spec().node_name() == "n1");
  CHECK(api::FindPodCondition(*f.Get("a"), "PodScheduled")->status() == "True");
  CHECK(f.Get("b")->spec().node_name().empty());
  CHECK(RequestedCpu(state, "n1") == 600);  // charged once, whatever the watch does next
  REQUIRE(Eventually([&] { return state.version() > 0 && RequestedCpu(state, "n1") == 600; }));

  // A binding is never applied twice: proposing `a` again changes nothing.
  binder.BindBatch({Propose(a, "n1")});
  CHECK(feedback.events.back() == "retry default/a");
  CHECK(RequestedCpu(state, "n1") == 600);
}

TEST_CASE("binder: a pod deleted while in flight is not bound and its assumption is released") {
  Fixture f;
  f.Node("n1", "2");
  auto doomed = f.Pod("doomed");
  BinderRig rig(*f.store);
  cluster::ClusterState& state = rig.state;
  RecordingFeedback& feedback = rig.feedback;
  binder::Binder& binder = rig.binder;

  REQUIRE(f.store->Delete(f.pods, "default", "doomed").ok());
  binder.BindBatch({Propose(doomed, "n1")});
  CHECK(feedback.events == std::vector<std::string>{"retry default/doomed"});
  CHECK(f.Get("doomed") == nullptr);
  CHECK(RequestedCpu(state, "n1") == 0);

  // Changed meanwhile (stale resourceVersion): not bound either.
  auto changed = f.Pod("changed");
  auto relabelled = std::make_unique<api::Pod>(*changed);
  (*relabelled->mutable_metadata()->mutable_labels())["touched"] = "yes";
  REQUIRE(f.store->Update(f.pods, std::move(relabelled)).ok());
  binder.BindBatch({Propose(changed, "n1")});
  CHECK(feedback.events.back() == "retry default/changed");
  CHECK(f.Get("changed")->spec().node_name().empty());
  CHECK(RequestedCpu(state, "n1") == 0);
}

TEST_CASE("pipeline: the loser of the last slot waits with its reason, then binds when a node appears") {
  Fixture f;
  f.Node("n1", "1");
  server::SchedulingOptions options;
  options.shards = 2;
  store::EventRecorder events(*f.store);
  auto pipeline = server::SchedulingPipeline::Create(options, *f.store, events);
  REQUIRE(pipeline.ok());
  REQUIRE((*pipeline)->Start().ok());
  f.Pod("a");
  f.Pod("b");
  auto bound = [&](const std::string& name) {
    auto p = f.Get(name);
    return p ? p->spec().node_name() : std::string("?");
  };
  auto reason = [&](const std::string& name) {
    auto p = f.Get(name);
    const api::PodCondition* c = p ? api::FindPodCondition(*p, "PodScheduled") : nullptr;
    return c != nullptr && c->status() == "False" ? c->reason() + ": " + c->message() : std::string();
  };
  REQUIRE(Eventually([&] { return (bound("a") == "n1") != (bound("b") == "n1"); }));
  std::string loser = bound("a") == "n1" ? "b" : "a";
  REQUIRE(Eventually([&] { return !reason(loser).empty(); }));
  CHECK(reason(loser) == "Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.");

  f.Node("n2", "1");  // a node added releases the backoff at once
  CHECK(Eventually([&] { return bound(loser) == "n2"; }));
  (*pipeline)->Stop();

  // What kubectl describe pod shows: one FailedScheduling Event however
  // many attempts failed, and a Scheduled Event naming the node.
  events.Flush();
  auto listed = f.store->List(*api::FindKindByResource("", "v1", "events"), {});
  REQUIRE(listed.ok());
  int failed = 0;
  bool scheduled = false;
  for (const auto& object : listed->items) {
    const auto& e = static_cast<const api::Event&>(*object);
    if (e.involved_object().name() != loser) continue;
    if (e.reason() == "FailedScheduling") {
      ++failed;
      CHECK(e.count() >= 1);
      CHECK(e.type() == "Warning");
    }
    if (e.reason() == "Scheduled") scheduled = e.message() == "Successfully assigned default/" + loser + " to n2";
  }
  CHECK(failed == 1);
  CHECK(scheduled);
}
