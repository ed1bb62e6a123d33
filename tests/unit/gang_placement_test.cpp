#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include <numeric>
#include <set>

#include "scheduler/gang_placement.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::scheduler;

namespace {

std::vector<PodInfo> Members(int n, const std::string& cpu = "1") {
  std::vector<PodInfo> out;
  for (int i = 0; i < n; ++i) {
    auto pod = FromYaml<api::Pod>(absl::StrCat("metadata: {name: m", i, ", namespace: default}\nspec:\n"
                                               "  containers: [{name: c, image: i, resources: {requests: {cpu: '",
                                               cpu, "'}}}]\n"));
    auto info = PodInfo::From(pod);
    REQUIRE(info.ok());
    out.push_back(*info);
  }
  return out;
}

void AddNode(cluster::NodeTable& nodes, const std::string& name, const std::string& cpu,
             const std::string& switch_label = "") {
  std::string labels = switch_label.empty() ? "" : absl::StrCat(", labels: {topology.gantry.io/switch: ", switch_label, "}");
  REQUIRE(nodes.Upsert(FromYaml<api::Node>(absl::StrCat("metadata: {name: ", name, labels, "}\n",
                                                        "status: {allocatable: {cpu: '", cpu, "', memory: 8Gi, pods: 10}}")))
              .ok());
}

std::vector<uint32_t> All(const cluster::NodeTable& t) {
  std::vector<uint32_t> order(t.size());
  std::iota(order.begin(), order.end(), 0);
  return order;
}

dispatcher::GangInfo Gang(std::vector<std::string> required = {}, std::vector<std::string> preferred = {}) {
  dispatcher::GangInfo g;
  g.name = "default/train";
  g.spec.min_member = 1;
  g.spec.required_topology_keys = std::move(required);
  g.spec.preferred_topology_keys = std::move(preferred);
  return g;
}

int64_t TotalRequestedCpu(const cluster::NodeTable& nodes) {
  int64_t sum = 0;
  for (uint32_t i = 0; i < nodes.size(); ++i) sum += nodes.requested(i)[cluster::kCpu];
  return sum;
}

std::set<std::string> Switches(const cluster::NodeTable& nodes, const std::vector<uint32_t>& chosen) {
  std::set<std::string> out;
  for (uint32_t n : chosen) out.insert(nodes.node(n).metadata().labels().at("topology.gantry.io/switch"));
  return out;
}

}  // namespace

TEST_CASE("a gang that does not fit whole places none and leaves the table as it was") {
  cluster::NodeTable nodes;
  for (int i = 0; i < 7; ++i) AddNode(nodes, absl::StrCat("n", i), "1");
  auto all = All(nodes);
  Profile profile = DefaultProfile();
  GangPlacement placed = PlaceGang(profile, Members(8), Gang(), nodes, {.own = all, .others = {}});
  CHECK(placed.nodes.empty());
  CHECK(placed.explanation.rfind("0/8 pods of gang default/train fit: 0/7 nodes are available: 7 Insufficient cpu", 0) == 0);
  CHECK(TotalRequestedCpu(nodes) == 0);

  AddNode(nodes, "n7", "1");
  all = All(nodes);
  placed = PlaceGang(profile, Members(8), Gang(), nodes, {.own = all, .others = {}});
  REQUIRE(placed.nodes.size() == 8);
  CHECK(std::set<uint32_t>(placed.nodes.begin(), placed.nodes.end()).size() == 8);
  CHECK(TotalRequestedCpu(nodes) == 8000);  // kept charged, as a shard's own proposals are
}

TEST_CASE("required job-level affinity keeps the gang in one domain that has room, or places none") {
  cluster::NodeTable nodes;
  for (int i = 0; i < 3; ++i) AddNode(nodes, absl::StrCat("a", i), "1", "s1");
  for (int i = 0; i < 4; ++i) AddNode(nodes, absl::StrCat("b", i), "1", "s2");
  AddNode(nodes, "unlabelled", "8");
  auto all = All(nodes);
  Profile profile = DefaultProfile();
  GangPlacement placed = PlaceGang(profile, Members(4), Gang({"topology.gantry.io/switch"}), nodes, {.own = all, .others = {}});
  REQUIRE(placed.nodes.size() == 4);
  CHECK(Switches(nodes, placed.nodes) == std::set<std::string>{"s2"});

  GangPlacement none = PlaceGang(profile, Members(4), Gang({"topology.gantry.io/switch"}), nodes, {.own = all, .others = {}});
  CHECK(none.nodes.empty());
  CHECK(none.explanation.find("in any one of 2 domain(s) of topology.gantry.io/switch") != std::string::npos);

  GangPlacement unlabelled = PlaceGang(profile, Members(1), Gang({"rack"}), nodes, {.own = all, .others = {}});
  CHECK(unlabelled.explanation.find("no node has the topology label(s) rack") != std::string::npos);
}

TEST_CASE("preferred job-level affinity stays in one domain when one fits and spills over when none does") {
  cluster::NodeTable nodes;
  for (int i = 0; i < 3; ++i) {
    AddNode(nodes, absl::StrCat("a", i), "1", "s1");
    AddNode(nodes, absl::StrCat("b", i), "1", "s2");
  }
  auto all = All(nodes);
  Profile profile = DefaultProfile();
  GangPlacement pair = PlaceGang(profile, Members(2), Gang({}, {"topology.gantry.io/switch"}), nodes, {.own = all, .others = {}});
  REQUIRE(pair.nodes.size() == 2);
  CHECK(Switches(nodes, pair.nodes).size() == 1);
  GangPlacement spill = PlaceGang(profile, Members(4), Gang({}, {"topology.gantry.io/switch"}), nodes, {.own = all, .others = {}});
  REQUIRE(spill.nodes.size() == 4);
  CHECK(Switches(nodes, spill.nodes).size() == 2);
}
