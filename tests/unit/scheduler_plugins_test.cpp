#include <doctest/doctest.h>

#include "scheduler/plugins/registry.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::scheduler;

namespace {

PodInfo Pod(const std::string& spec_yaml) {
  auto pod = FromYaml<api::Pod>("metadata: {name: p, namespace: default}\nspec:\n" + spec_yaml);
  auto info = PodInfo::From(pod);
  REQUIRE(info.ok());
  return *info;
}

struct Cluster {
  cluster::NodeTable nodes;
  uint32_t Add(const std::string& yaml) {
    auto i = nodes.Upsert(FromYaml<api::Node>(yaml));
    REQUIRE(i.ok());
    return *i;
  }
};

constexpr char kContainer[] = "  containers: [{name: c, image: i, resources: {requests: {cpu: 500m, memory: 1Gi}}}]\n";

}  // namespace

TEST_CASE("NodeResourcesFit") {
  Cluster c;
  uint32_t big = c.Add("metadata: {name: big}\nstatus: {allocatable: {cpu: 4, memory: 8Gi, pods: 110, example.com/fpga: 2}}");
  uint32_t small = c.Add("metadata: {name: small}\nstatus: {allocatable: {cpu: 250m, memory: 8Gi, pods: 110}}");
  uint32_t full = c.Add("metadata: {name: full}\nstatus: {allocatable: {cpu: 4, memory: 8Gi, pods: 1}}");
  cluster::PodUsage one_pod;
  one_pod.requests[cluster::kPods] = 1;
  REQUIRE(c.nodes.AddPod("full", one_pod).ok());
  auto fit = plugins::NewNodeResourcesFit();
  struct Case {
    const char* name;
    std::string spec;
    uint32_t node;
    std::string want;  // "" passes
  };
  const Case cases[] = {
      {"fits", kContainer, big, ""},
      {"too little cpu", kContainer, small, "Insufficient cpu"},
      {"pod count", kContainer, full, "Too many pods"},
      {"extended resource present", "  containers: [{name: c, image: i, resources: {requests: {example.com/fpga: 2}}}]\n", big, ""},
      {"extended resource exhausted", "  containers: [{name: c, image: i, resources: {requests: {example.com/fpga: 3}}}]\n", big, "Insufficient example.com/fpga"},
      {"extended resource absent", "  containers: [{name: c, image: i, resources: {requests: {example.com/fpga: 1}}}]\n", small, "Insufficient example.com/fpga"},
      {"best effort fits anywhere with room for a pod", "  containers: [{name: c, image: i}]\n", small, ""},
  };
  for (const Case& tc : cases) {
    CAPTURE(tc.name);
    PodInfo pod = Pod(tc.spec);
    FilterVerdict v = fit->Filter(pod, c.nodes, tc.node);
    CHECK(v.ok() == tc.want.empty());
    if (!v.ok()) CHECK(fit->Explain(v, pod, c.nodes, tc.node) == tc.want);
  }
}

TEST_CASE("NodeUnschedulable") {
  Cluster c;
  uint32_t cordoned = c.Add("metadata: {name: n}\nspec: {unschedulable: true}\nstatus: {allocatable: {cpu: 1}}");
  uint32_t open = c.Add("metadata: {name: o}\nstatus: {allocatable: {cpu: 1}}");
  auto plugin = plugins::NewNodeUnschedulable();
  PodInfo plain = Pod(kContainer);
  PodInfo tolerant = Pod(std::string(kContainer) + "  tolerations: [{key: node.kubernetes.io/unschedulable, operator: Exists, effect: NoSchedule}]\n");
  CHECK_FALSE(plugin->Filter(plain, c.nodes, cordoned).ok());
  CHECK(plugin->Explain(plugin->Filter(plain, c.nodes, cordoned), plain, c.nodes, cordoned) == "node(s) were unschedulable");
  CHECK(plugin->Filter(tolerant, c.nodes, cordoned).ok());
  CHECK(plugin->Filter(plain, c.nodes, open).ok());
}

TEST_CASE("NodeAffinity filter: nodeSelector and required terms with every operator") {
  Cluster c;
  uint32_t n = c.Add("metadata: {name: n1, labels: {zone: a, disk: ssd, cores: '16'}}\nstatus: {allocatable: {cpu: 1}}");
  auto plugin = plugins::NewNodeAffinityFilter();
  auto required = [](const std::string& exprs) {
    return std::string(kContainer) +
           "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [" + exprs + "]}}}\n";
  };
  struct Case {
    const char* name;
    std::string spec;
    bool pass;
  };
  const Case cases[] = {
      {"no constraints", kContainer, true},
      {"nodeSelector matches", std::string(kContainer) + "  nodeSelector: {zone: a, disk: ssd}\n", true},
      {"nodeSelector differs", std::string(kContainer) + "  nodeSelector: {zone: b}\n", false},
      {"nodeSelector names a missing label", std::string(kContainer) + "  nodeSelector: {gpu: 'true'}\n", false},
      {"In", required("{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}"), true},
      {"In misses", required("{matchExpressions: [{key: zone, operator: In, values: [c]}]}"), false},
      {"NotIn", required("{matchExpressions: [{key: zone, operator: NotIn, values: [b]}]}"), true},
      {"NotIn hits", required("{matchExpressions: [{key: zone, operator: NotIn, values: [a]}]}"), false},
      {"Exists", required("{matchExpressions: [{key: disk, operator: Exists}]}"), true},
      {"DoesNotExist", required("{matchExpressions: [{key: gpu, operator: DoesNotExist}]}"), true},
      {"DoesNotExist fails", required("{matchExpressions: [{key: disk, operator: DoesNotExist}]}"), false},
      {"Gt", required("{matchExpressions: [{key: cores, operator: Gt, values: ['8']}]}"), true},
      {"Lt", required("{matchExpressions: [{key: cores, operator: Lt, values: ['8']}]}"), false},
      {"terms are ORed", required("{matchExpressions: [{key: zone, operator: In, values: [z]}]}, {matchExpressions: [{key: disk, operator: Exists}]}"), true},
      {"expressions in a term are ANDed", required("{matchExpressions: [{key: zone, operator: In, values: [a]}, {key: disk, operator: In, values: [hdd]}]}"), false},
      {"matchFields on metadata.name", required("{matchFields: [{key: metadata.name, operator: In, values: [n1]}]}"), true},
      {"an empty term matches nothing", required("{}"), false},
  };
  for (const Case& tc : cases) {
    CAPTURE(tc.name);
    PodInfo pod = Pod(tc.spec);
    FilterVerdict v = plugin->Filter(pod, c.nodes, n);
    CHECK(v.ok() == tc.pass);
    if (!v.ok()) CHECK(plugin->Explain(v, pod, c.nodes, n) == "node(s) didn't match Pod's node affinity/selector");
  }
}

TEST_CASE("TaintToleration filter") {
  Cluster c;
  uint32_t gpu = c.Add("metadata: {name: g}\nspec: {taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}\nstatus: {allocatable: {cpu: 1}}");
  uint32_t soft = c.Add("metadata: {name: s}\nspec: {taints: [{key: dedicated, value: gpu, effect: PreferNoSchedule}]}\nstatus: {allocatable: {cpu: 1}}");
  uint32_t evict = c.Add("metadata: {name: e}\nspec: {taints: [{key: maint, effect: NoExecute}]}\nstatus: {allocatable: {cpu: 1}}");
  auto plugin = plugins::NewTaintTolerationFilter();
  auto with = [](const std::string& tolerations) { return std::string(kContainer) + "  tolerations: " + tolerations + "\n"; };
  struct Case {
    const char* name;
    std::string spec;
    uint32_t node;
    bool pass;
  };
  const Case cases[] = {
      {"untolerated NoSchedule", kContainer, gpu, false},
      {"PreferNoSchedule does not filter", kContainer, soft, true},
      {"untolerated NoExecute", kContainer, evict, false},
      {"Equal with the value", with("[{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]"), gpu, true},
      {"Equal with another value", with("[{key: dedicated, operator: Equal, value: cpu, effect: NoSchedule}]"), gpu, false},
      {"Exists on the key", with("[{key: dedicated, operator: Exists}]"), gpu, true},
      {"empty key with Exists tolerates everything", with("[{operator: Exists}]"), evict, true},
      {"other effect", with("[{key: dedicated, operator: Exists, effect: NoExecute}]"), gpu, false},
      {"NoExecute tolerated with seconds", with("[{key: maint, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]"), evict, true},
  };
  for (const Case& tc : cases) {
    CAPTURE(tc.name);
    PodInfo pod = Pod(tc.spec);
    CHECK(plugin->Filter(pod, c.nodes, tc.node).ok() == tc.pass);
  }
  PodInfo plain = Pod(kContainer);
  CHECK(plugin->Explain(plugin->Filter(plain, c.nodes, gpu), plain, c.nodes, gpu) ==
        "node(s) had untolerated taint {dedicated: gpu}");
}

TEST_CASE("NodePorts") {
  Cluster c;
  uint32_t n = c.Add("metadata: {name: n}\nstatus: {allocatable: {cpu: 1}}");
  auto plugin = plugins::NewNodePorts();
  PodInfo web = Pod("  containers: [{name: c, image: i, ports: [{containerPort: 80, hostPort: 8080}]}]\n");
  PodInfo other = Pod("  containers: [{name: c, image: i, ports: [{containerPort: 80, hostPort: 9090}]}]\n");
  PodInfo udp = Pod("  containers: [{name: c, image: i, ports: [{containerPort: 80, hostPort: 8080, protocol: UDP}]}]\n");
  CHECK(plugin->Filter(web, c.nodes, n).ok());
  REQUIRE(c.nodes.AddPod("n", {web.requests, web.host_ports, web.pod}).ok());
  CHECK_FALSE(plugin->Filter(web, c.nodes, n).ok());
  CHECK(plugin->Explain(plugin->Filter(web, c.nodes, n), web, c.nodes, n) ==
        "node(s) didn't have free ports for the requested pod ports");
  CHECK(plugin->Filter(other, c.nodes, n).ok());
  CHECK(plugin->Filter(udp, c.nodes, n).ok());
}

TEST_CASE("allocation scores: least allocated spreads, most allocated packs, balanced evens out") {
  Cluster c;
  uint32_t empty = c.Add("metadata: {name: empty}\nstatus: {allocatable: {cpu: 4, memory: 8Gi}}");
  uint32_t busy = c.Add("metadata: {name: busy}\nstatus: {allocatable: {cpu: 4, memory: 8Gi}}");
  cluster::PodUsage load;
  load.requests[cluster::kCpu] = 3000;
  load.requests[cluster::kMemory] = 2LL << 30;
  REQUIRE(c.nodes.AddPod("busy", load).ok());
  PodInfo pod = Pod(kContainer);
  auto least = plugins::NewLeastAllocated();
  auto most = plugins::NewMostAllocated();
  auto balanced = plugins::NewBalancedAllocation();
  CHECK(least->Score(pod, c.nodes, empty) > least->Score(pod, c.nodes, busy));
  CHECK(most->Score(pod, c.nodes, busy) > most->Score(pod, c.nodes, empty));
  // empty: cpu 1/8, memory 1/8 -> balanced; busy: cpu 7/8, memory 3/8 -> not.
  CHECK(balanced->Score(pod, c.nodes, empty) == 100);
  CHECK(balanced->Score(pod, c.nodes, busy) == 75);
  CHECK(least->Score(pod, c.nodes, empty) == 87);
  // A pod without requests still counts 100m / 200Mi for scoring.
  PodInfo best_effort = Pod("  containers: [{name: c, image: i}]\n");
  CHECK(best_effort.score_requests[cluster::kCpu] == 100);
  CHECK(best_effort.requests[cluster::kCpu] == 0);
}

TEST_CASE("preference scores and their normalisation") {
  Cluster c;
  uint32_t a = c.Add("metadata: {name: a, labels: {zone: a, disk: ssd}}\nspec: {taints: [{key: k, effect: PreferNoSchedule}]}\nstatus: {allocatable: {cpu: 1}}");
  uint32_t b = c.Add("metadata: {name: b, labels: {zone: b}}\nstatus: {allocatable: {cpu: 1}}");
  PodInfo pod = Pod(std::string(kContainer) +
                    "  affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: ["
                    "{weight: 80, preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}},"
                    "{weight: 20, preference: {matchExpressions: [{key: disk, operator: Exists}]}}]}}\n");
  auto affinity = plugins::NewNodeAffinityScore();
  std::vector<int64_t> scores = {affinity->Score(pod, c.nodes, a), affinity->Score(pod, c.nodes, b)};
  CHECK(scores == std::vector<int64_t>{100, 0});
  affinity->Normalize(scores);
  CHECK(scores == std::vector<int64_t>{100, 0});

  auto taints = plugins::NewTaintTolerationScore();
  scores = {taints->Score(pod, c.nodes, a), taints->Score(pod, c.nodes, b)};
  taints->Normalize(scores);
  CHECK(scores == std::vector<int64_t>{0, 100});
  PodInfo tolerant = Pod(std::string(kContainer) + "  tolerations: [{key: k, operator: Exists, effect: PreferNoSchedule}]\n");
  CHECK(taints->Score(tolerant, c.nodes, a) == 0);
}

TEST_CASE("plugins are found by their profile names") {
  for (auto name : plugins::FilterPluginNames()) {
    auto p = plugins::NewFilterPlugin(name);
    REQUIRE(p != nullptr);
    CHECK(p->name() == name);
  }
  for (auto name : plugins::ScorePluginNames()) {
    auto p = plugins::NewScorePlugin(name);
    REQUIRE(p != nullptr);
    CHECK(p->name() == name);
  }
  CHECK(plugins::NewFilterPlugin("NoSuchPlugin") == nullptr);
}

TEST_CASE("reclaimed pods fit and score on the reclaimed resources, under any of their names") {
  Cluster c;
  // Lots of idle online cpu but little to lend, and the reverse.
  uint32_t busy = c.Add("metadata: {name: busy}\nstatus: {allocatable: {cpu: 8, memory: 32Gi, pods: 110, "
                        "gantry.io/reclaimed-millicpu: '500', gantry.io/reclaimed-memory: 1Gi}}");
  uint32_t lending = c.Add("metadata: {name: lending}\nstatus: {allocatable: {cpu: 2, memory: 4Gi, pods: 110, "
                           "gantry.io/reclaimed-millicpu: '4000', gantry.io/reclaimed-memory: 8Gi}}");
  PodInfo batch = Pod("  containers: [{name: c, image: i, resources: {requests: {kubernetes.io/batch-cpu: '1k', "
                      "kubernetes.io/batch-memory: 512Mi}}}]\n");
  CHECK(batch.requests[cluster::kCpu] == 0);  // never charged to online cpu
  auto fit = plugins::NewNodeResourcesFit();
  FilterVerdict v = fit->Filter(batch, c.nodes, busy);
  REQUIRE_FALSE(v.ok());
  CHECK(fit->Explain(v, batch, c.nodes, busy) == "Insufficient gantry.io/reclaimed-millicpu");
  CHECK(fit->Filter(batch, c.nodes, lending).ok());
  auto least = plugins::NewLeastAllocated();
  PodInfo small = Pod("  containers: [{name: c, image: i, resources: {requests: {gantry.io/reclaimed-millicpu: "
                      "'100'}}}]\n");
  CHECK(least->Score(small, c.nodes, lending) > least->Score(small, c.nodes, busy));
  // An online pod of the same size scores the other way round: on online capacity.
  PodInfo online = Pod("  containers: [{name: c, image: i, resources: {requests: {cpu: 100m, memory: 100Mi}}}]\n");
  CHECK(least->Score(online, c.nodes, busy) > least->Score(online, c.nodes, lending));
}
