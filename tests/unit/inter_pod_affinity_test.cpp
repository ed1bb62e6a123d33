#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include "scheduler/plugins/registry.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::scheduler;

namespace {

// Three zones, two nodes each: a0 a1 b0 b1 c0 c1.
struct Zones {
  cluster::NodeTable nodes;
  Zones() {
    for (const char* zone : {"a", "b", "c"}) {
      for (int i = 0; i < 2; ++i) {
        std::string name = absl::StrCat(zone, i);
        REQUIRE(nodes.Upsert(FromYaml<api::Node>(absl::StrCat(
                                 "metadata: {name: ", name, ", labels: {zone: ", zone, ", kubernetes.io/hostname: ",
                                 name, "}}\nstatus: {allocatable: {cpu: 8, memory: 16Gi, pods: 50}}")))
                    .ok());
      }
    }
  }
  void Place(const std::string& node, const std::string& pod_yaml) {
    auto pod = FromYaml<api::Pod>(pod_yaml);
    auto info = PodInfo::From(pod);
    REQUIRE(info.ok());
    REQUIRE(nodes.AddPod(node, {info->requests, info->host_ports, pod}).ok());
  }
  // Names of the nodes the filter lets `pod` onto.
  std::string Allowed(const FilterPlugin& filter, const PodInfo& pod) {
    pod.cycle_state.clear();
    filter.PreFilter(pod, nodes);
    std::string out;
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      if (filter.Filter(pod, nodes, i).ok()) absl::StrAppend(&out, out.empty() ? "" : " ", nodes.name(i));
    }
    return out;
  }
};

PodInfo Pod(const std::string& labels, const std::string& affinity, const std::string& ns = "default") {
  auto pod = FromYaml<api::Pod>(absl::StrCat("metadata: {name: new, namespace: ", ns, ", labels: {", labels,
                                             "}}\nspec:\n  containers: [{name: c, image: i}]\n", affinity));
  auto info = PodInfo::From(pod);
  REQUIRE(info.ok());
  return *info;
}

std::string Placed(const std::string& name, const std::string& labels, const std::string& affinity = "",
                   const std::string& ns = "default") {
  return absl::StrCat("metadata: {name: ", name, ", namespace: ", ns, ", labels: {", labels,
                      "}}\nspec:\n  containers: [{name: c, image: i}]\n", affinity);
}

constexpr char kAntiWebByZone[] =
    "  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
    "[{labelSelector: {matchLabels: {app: web}}, topologyKey: zone}]}}\n";
constexpr char kWithCacheByZone[] =
    "  affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
    "[{labelSelector: {matchLabels: {app: cache}}, topologyKey: zone}]}}\n";
constexpr char kAntiWebByHost[] =
    "  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
    "[{labelSelector: {matchLabels: {app: web}}, topologyKey: kubernetes.io/hostname}]}}\n";

}  // namespace

TEST_CASE("required inter-pod affinity and anti-affinity, by topology key") {
  auto filter = plugins::NewInterPodAffinityFilter();
  struct Case {
    const char* name;
    std::vector<std::pair<std::string, std::string>> placed;  // node, pod yaml
    std::string labels;
    std::string affinity;
    std::string allowed;
  };
  std::vector<Case> cases = {
      {"no terms, nothing placed: everywhere", {}, "app: web", "", "a0 a1 b0 b1 c0 c1"},
      {"anti-affinity by zone keeps out of the whole zone", {{"a0", Placed("w1", "app: web")}}, "app: web",
       kAntiWebByZone, "b0 b1 c0 c1"},
      {"anti-affinity by hostname keeps out of that node only", {{"a0", Placed("w1", "app: web")}}, "app: web",
       kAntiWebByHost, "a1 b0 b1 c0 c1"},
      {"anti-affinity ignores other namespaces", {{"a0", Placed("w1", "app: web", "", "other")}}, "app: web",
       kAntiWebByZone, "a0 a1 b0 b1 c0 c1"},
      {"affinity follows the matching pod's zone", {{"b1", Placed("c1", "app: cache")}}, "app: api",
       kWithCacheByZone, "b0 b1"},
      {"affinity with no match anywhere and not self-matching: nowhere", {}, "app: api", kWithCacheByZone, ""},
      {"affinity with no match but the pod matches itself: first of its group goes anywhere", {}, "app: cache",
       kWithCacheByZone, "a0 a1 b0 b1 c0 c1"},
      {"placed pod's anti-affinity repels a matching newcomer (symmetry)",
       {{"c0", Placed("w1", "app: web", kAntiWebByZone)}}, "app: web", "", "a0 a1 b0 b1"},
      {"placed pod's anti-affinity ignores a non-matching newcomer", {{"c0", Placed("w1", "app: web", kAntiWebByZone)}},
       "app: db", "", "a0 a1 b0 b1 c0 c1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Zones z;
    for (const auto& [node, yaml] : c.placed) z.Place(node, yaml);
    CHECK(z.Allowed(*filter, Pod(c.labels, c.affinity)) == c.allowed);
  }
}

TEST_CASE("inter-pod affinity explains each rule in kubectl's words") {
  auto filter = plugins::NewInterPodAffinityFilter();
  Zones z;
  z.Place("a0", Placed("w1", "app: web", kAntiWebByZone));
  PodInfo web = Pod("app: web", kAntiWebByZone);
  filter->PreFilter(web, z.nodes);
  auto verdict = filter->Filter(web, z.nodes, *z.nodes.Find("a1"));
  REQUIRE_FALSE(verdict.ok());
  CHECK(filter->Explain(verdict, web, z.nodes, 0) == "node(s) didn't match pod anti-affinity rules");
  PodInfo plain = Pod("app: web", "");
  plain.cycle_state.clear();
  filter->PreFilter(plain, z.nodes);
  verdict = filter->Filter(plain, z.nodes, *z.nodes.Find("a1"));
  REQUIRE_FALSE(verdict.ok());
  CHECK(filter->Explain(verdict, plain, z.nodes, 0) == "node(s) didn't satisfy existing pods anti-affinity rules");
}

TEST_CASE("preferred inter-pod affinity scores zones with more matching pods higher, anti-affinity lower") {
  auto score = plugins::NewInterPodAffinityScore();
  Zones z;
  z.Place("a0", Placed("c1", "app: cache"));
  z.Place("a1", Placed("c2", "app: cache"));
  z.Place("b0", Placed("c3", "app: cache"));
  z.Place("c0", Placed("w1", "app: web"));
  PodInfo pod = Pod("app: api",
                    "  affinity:\n"
                    "    podAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 10, "
                    "podAffinityTerm: {labelSelector: {matchLabels: {app: cache}}, topologyKey: zone}}]}\n"
                    "    podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 5, "
                    "podAffinityTerm: {labelSelector: {matchLabels: {app: web}}, topologyKey: zone}}]}\n");
  score->PreScore(pod, z.nodes);
  std::vector<int64_t> scores;
  for (uint32_t i = 0; i < z.nodes.size(); ++i) scores.push_back(score->Score(pod, z.nodes, i));
  CHECK(scores == std::vector<int64_t>{20, 20, 10, 10, -5, -5});
  score->Normalize(scores);
  CHECK(scores == std::vector<int64_t>{100, 100, 60, 60, 0, 0});
}
