#include <doctest/doctest.h>

#include <numeric>

#include "scheduler/equivalence_cache.h"
#include "scheduler/placement.h"
#include "scheduler/plugins/registry.h"
#include "scheduler/profile_file.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::scheduler;

namespace {

PodInfo Pod(const std::string& extra = "") {
  auto pod = FromYaml<api::Pod>(
      "metadata: {name: p, namespace: default}\nspec:\n"
      "  containers: [{name: c, image: i, resources: {requests: {cpu: '1', memory: 1Gi}}}]\n" + extra);
  auto info = PodInfo::From(pod);
  REQUIRE(info.ok());
  return *info;
}

std::vector<uint32_t> All(const cluster::NodeTable& t) {
  std::vector<uint32_t> order(t.size());
  std::iota(order.begin(), order.end(), 0);
  return order;
}

}  // namespace

TEST_CASE("the explanation counts the first failing filter per node, most common first") {
  cluster::NodeTable nodes;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(nodes.Upsert(FromYaml<api::Node>("metadata: {name: small" + std::to_string(i) +
                                             "}\nstatus: {allocatable: {cpu: 500m, memory: 8Gi, pods: 10}}")).ok());
  }
  for (int i = 0; i < 2; ++i) {
    REQUIRE(nodes.Upsert(FromYaml<api::Node>("metadata: {name: gpu" + std::to_string(i) +
                                             "}\nspec: {taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}\n"
                                             "status: {allocatable: {cpu: 8, memory: 8Gi, pods: 10}}")).ok());
  }
  Profile profile = DefaultProfile();
  Placement p = Place(profile, Pod(), nodes, All(nodes));
  CHECK_FALSE(p.node.has_value());
  CHECK(p.explanation ==
        "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.");

  Placement tolerated = Place(profile, Pod("  tolerations: [{key: dedicated, operator: Exists}]\n"), nodes, All(nodes));
  REQUIRE(tolerated.node.has_value());
  CHECK(nodes.name(*tolerated.node).rfind("gpu", 0) == 0);

  cluster::NodeTable empty;
  CHECK(Place(profile, Pod(), empty, std::vector<uint32_t>{}).explanation == "no nodes available to schedule pods");
}

TEST_CASE("scores choose the emptier node by default and the fuller one when bin packing") {
  cluster::NodeTable nodes;
  REQUIRE(nodes.Upsert(FromYaml<api::Node>("metadata: {name: busy}\nstatus: {allocatable: {cpu: 8, memory: 16Gi, pods: 10}}")).ok());
  REQUIRE(nodes.Upsert(FromYaml<api::Node>("metadata: {name: idle}\nstatus: {allocatable: {cpu: 8, memory: 16Gi, pods: 10}}")).ok());
  cluster::PodUsage load;
  load.requests[cluster::kCpu] = 6000;
  load.requests[cluster::kMemory] = 12LL << 30;
  REQUIRE(nodes.AddPod("busy", load).ok());
  Placement spread = Place(DefaultProfile(), Pod(), nodes, All(nodes));
  REQUIRE(spread.node.has_value());
  CHECK(nodes.name(*spread.node) == "idle");

  Profile packing;
  packing.filters.push_back(plugins::NewNodeResourcesFit());
  packing.scores.push_back({plugins::NewMostAllocated(), 1});
  Placement packed = Place(packing, Pod(), nodes, All(nodes));
  REQUIRE(packed.node.has_value());
  CHECK(nodes.name(*packed.node) == "busy");
}

TEST_CASE("weights decide between plugins that disagree") {
  cluster::NodeTable nodes;
  REQUIRE(nodes.Upsert(FromYaml<api::Node>("metadata: {name: preferred, labels: {zone: a}}\nstatus: {allocatable: {cpu: 8, memory: 16Gi, pods: 10}}")).ok());
  REQUIRE(nodes.Upsert(FromYaml<api::Node>("metadata: {name: emptier}\nstatus: {allocatable: {cpu: 64, memory: 256Gi, pods: 10}}")).ok());
  PodInfo pod = Pod("  affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: "
                    "[{weight: 10, preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}}]}}\n");
  Profile profile;
  profile.filters.push_back(plugins::NewNodeResourcesFit());
  // LeastAllocated: 90 on "preferred", 99 on "emptier"; NodeAffinity
  // normalises to 100 and 0.
  profile.scores.push_back({plugins::NewLeastAllocated(), 20});
  profile.scores.push_back({plugins::NewNodeAffinityScore(), 1});
  CHECK(nodes.name(*Place(profile, pod, nodes, All(nodes)).node) == "emptier");
  profile.scores[1].weight = 5;
  CHECK(nodes.name(*Place(profile, pod, nodes, All(nodes)).node) == "preferred");
}

TEST_CASE("large clusters score an adaptive share of nodes, as kube-scheduler does") {
  CHECK(FeasibleNodesToFind(50, 0) == 50);
  CHECK(FeasibleNodesToFind(1000, 0) == 420);     // 50 - 1000/125 = 42%
  CHECK(FeasibleNodesToFind(5000, 0) == 500);     // 10%
  CHECK(FeasibleNodesToFind(30000, 0) == 1500);   // floor of 5%
  CHECK(FeasibleNodesToFind(30000, 100) == 30000);
  CHECK(FeasibleNodesToFind(150, 10) == 100);     // never fewer than 100

  cluster::NodeTable nodes;
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(nodes.Upsert(FromYaml<api::Node>("metadata: {name: n" + std::to_string(i) +
                                             "}\nstatus: {allocatable: {cpu: 8, memory: 16Gi, pods: 10}}")).ok());
  }
  Placement p = Place(DefaultProfile(), Pod(), nodes, All(nodes));
  REQUIRE(p.node.has_value());
  CHECK(p.evaluated == 420);
}

TEST_CASE("profiles load from YAML; mistakes name the key or plugin") {
  auto packing = ParseProfile("scores: [{name: MostAllocated, weight: 2}]\npercentageOfNodesToScore: 50\n", "p.yaml");
  REQUIRE(packing.ok());
  CHECK(packing->filters.size() == plugins::FilterPluginNames().size());  // left out: default
  REQUIRE(packing->scores.size() == 1);
  CHECK(packing->scores[0].plugin->name() == "MostAllocated");
  CHECK(packing->scores[0].weight == 2);
  CHECK(packing->percentage_of_nodes_to_score == 50);

  auto only_fit = ParseProfile("filters: [NodeResourcesFit]\n", "p.yaml");
  REQUIRE(only_fit.ok());
  CHECK(only_fit->filters.size() == 1);

  struct Bad {
    const char* yaml;
    const char* mentions;
  };
  for (const Bad& bad : {Bad{"filters: [NodeResourcesFitt]\n", "NodeResourcesFitt"},
                         Bad{"scores: [{name: LeastAllocated, weight: 0}]\n", "weight 0"},
                         Bad{"percentageOfNodesToScore: 101\n", "percentageOfNodesToScore"},
                         Bad{"filterz: []\n", "filterz"},
                         Bad{"filters: [a\n", "p.yaml"}}) {
    CAPTURE(bad.yaml);
    auto p = ParseProfile(bad.yaml, "p.yaml");
    REQUIRE_FALSE(p.ok());
    CHECK(std::string(p.status().message()).find(bad.mentions) != std::string::npos);
  }
  for (const char* shipped : {"default.yaml", "bin-packing.yaml"}) {
    CAPTURE(shipped);
    CHECK(LoadProfile(std::string(GANTRY_SOURCE_DIR "/configs/scheduler-profiles/") + shipped).ok());
  }
}

TEST_CASE("equivalence classes: equal node-static inputs share a class, anything else splits it") {
  auto spec = [](const std::string& extra) {
    return FromYaml<api::Pod>("metadata: {name: p, namespace: default}\nspec:\n"
                              "  containers: [{name: c, image: i, resources: {requests: {cpu: '1'}}}]\n" + extra)
        ->spec();
  };
  std::string selector_ab = EquivalenceCache::ClassOf(spec("  nodeSelector: {a: '1', b: '2'}\n"));
  // Map order and resource requests do not matter: only what node-static filters read.
  CHECK(EquivalenceCache::ClassOf(spec("  nodeSelector: {b: '2', a: '1'}\n")) == selector_ab);
  CHECK(EquivalenceCache::ClassOf(spec("  nodeSelector: {a: '1', b: '2'}\n"
                                       "  containers: [{name: c, image: i, resources: {requests: {cpu: '3'}}}]\n")) ==
        selector_ab);
  CHECK(EquivalenceCache::ClassOf(spec("  nodeSelector: {a: '1'}\n")) != selector_ab);
  CHECK(EquivalenceCache::ClassOf(spec("  nodeSelector: {a: '1', b: '2'}\n"
                                       "  tolerations: [{key: dedicated, operator: Exists}]\n")) != selector_ab);

  EquivalenceCache cache;
  cache.Validate(7);
  CHECK(cache.Find(selector_ab) == nullptr);
  cache.Insert(selector_ab, {{1, 2}, {3}});
  REQUIRE(cache.Find(selector_ab) != nullptr);
  CHECK(cache.Find(selector_ab)->own == std::vector<uint32_t>{1, 2});
  cache.Validate(7);
  CHECK(cache.Find(selector_ab) != nullptr);
  cache.Validate(8);  // a node's labels, taints or partition changed
  CHECK(cache.Find(selector_ab) == nullptr);
}

TEST_CASE("own partition first: other partitions only when none of its own fits") {
  cluster::NodeTable nodes;
  for (const char* yaml : {"metadata: {name: own-full}\nstatus: {allocatable: {cpu: 500m, memory: 8Gi, pods: 10}}",
                           "metadata: {name: own-ok}\nstatus: {allocatable: {cpu: 2, memory: 8Gi, pods: 10}}",
                           "metadata: {name: other-big}\nstatus: {allocatable: {cpu: 64, memory: 256Gi, pods: 10}}"}) {
    REQUIRE(nodes.Upsert(FromYaml<api::Node>(yaml)).ok());
  }
  Profile profile = DefaultProfile();
  std::vector<uint32_t> own = {0, 1};
  std::vector<uint32_t> others = {2};
  // LeastAllocated would prefer the big node, but the own partition has a fit.
  Placement p = Place(profile, Pod(), nodes, PlaceOptions{.primary = own, .secondary = others});
  REQUIRE(p.node);
  CHECK(nodes.name(*p.node) == "own-ok");
  std::vector<uint32_t> own_full = {0};
  p = Place(profile, Pod(), nodes, PlaceOptions{.primary = own_full, .secondary = others});
  REQUIRE(p.node);
  CHECK(nodes.name(*p.node) == "other-big");
}
