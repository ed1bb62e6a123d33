#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include <numeric>
#include <set>

#include "scheduler/preemption.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::scheduler;

namespace {

std::shared_ptr<const api::Pod> MakePod(const std::string& name, const std::string& cpu, int priority,
                                        const std::string& gang = "", const std::string& policy = "") {
  std::string labels = gang.empty() ? "" : absl::StrCat(", labels: {scheduling.gantry.io/pod-group: ", gang, "}");
  std::string extra = policy.empty() ? "" : absl::StrCat("  preemptionPolicy: ", policy, "\n");
  return FromYaml<api::Pod>(absl::StrCat("metadata: {name: ", name, ", namespace: default", labels, "}\nspec:\n",
                                         "  priority: ", priority, "\n", extra,
                                         "  containers: [{name: c, image: i, resources: {requests: {cpu: '", cpu,
                                         "'}}}]\n"));
}

struct Cluster {
  cluster::NodeTable nodes;
  Cluster(int n, const std::string& cpu) {
    for (int i = 0; i < n; ++i) {
      REQUIRE(nodes.Upsert(FromYaml<api::Node>(absl::StrCat("metadata: {name: n", i, "}\nstatus: {allocatable: {cpu: '",
                                                             cpu, "', memory: 8Gi, pods: 10}}")))
                  .ok());
    }
  }
  void Bind(const std::string& node, std::shared_ptr<const api::Pod> pod) {
    auto usage = cluster::PodUsageOf(std::move(pod));
    REQUIRE(usage.ok());
    REQUIRE(nodes.AddPod(node, *usage).ok());
  }
  std::vector<uint32_t> All() const {
    std::vector<uint32_t> order(nodes.size());
    std::iota(order.begin(), order.end(), 0);
    return order;
  }
};

PodInfo Info(std::shared_ptr<const api::Pod> pod) {
  auto info = PodInfo::From(std::move(pod));
  REQUIRE(info.ok());
  return *info;
}

std::set<std::string> Names(const PreemptionPlan& plan) {
  std::set<std::string> out;
  for (const Victim& v : plan.victims) out.insert(v.usage.pod->metadata().name());
  return out;
}

}  // namespace

TEST_CASE("preemption takes the fewest pods of strictly lower priority, the least important first") {
  Cluster c(2, "4");
  c.Bind("n0", MakePod("low-a", "1", 10));
  c.Bind("n0", MakePod("low-b", "1", 10));
  c.Bind("n0", MakePod("mid-a", "1", 50));
  c.Bind("n0", MakePod("mid-b", "1", 50));
  c.Bind("n1", MakePod("equal-a", "2", 100));
  c.Bind("n1", MakePod("equal-b", "2", 100));
  Profile profile = DefaultProfile();
  GangMembers gangs(c.nodes);
  auto plan = FindPreemption(profile, Info(MakePod("urgent", "2", 100)), c.nodes, c.All(), gangs);
  REQUIRE(plan.has_value());
  CHECK(c.nodes.name(plan->node) == "n0");  // equal priority on n1 is never a victim
  CHECK(Names(*plan) == std::set<std::string>{"low-a", "low-b"});
  CHECK(c.nodes.requested(0)[cluster::kCpu] == 4000);  // scratch use only

  GangMembers none(c.nodes);
  CHECK_FALSE(FindPreemption(profile, Info(MakePod("big", "5", 100)), c.nodes, c.All(), none).has_value());
  CHECK_FALSE(MayPreempt(*MakePod("polite", "1", 100, "", "Never")));
}

TEST_CASE("a victim in a gang takes its whole gang, and breaking no gang is preferred") {
  Cluster c(2, "4");
  // n0: two members of gang g (the other two on n1) and two singles of a
  // higher (but still lower than the preemptor's) priority.
  c.Bind("n0", MakePod("g-0", "1", 10, "g"));
  c.Bind("n0", MakePod("g-1", "1", 10, "g"));
  c.Bind("n1", MakePod("g-2", "1", 10, "g"));
  c.Bind("n1", MakePod("g-3", "1", 10, "g"));
  c.Bind("n0", MakePod("single-0", "1", 40));
  c.Bind("n0", MakePod("single-1", "1", 40));
  c.Bind("n1", MakePod("high-0", "1", 500));
  c.Bind("n1", MakePod("high-1", "1", 500));
  Profile profile = DefaultProfile();
  GangMembers gangs(c.nodes);
  auto plan = FindPreemption(profile, Info(MakePod("p", "2", 100)), c.nodes, c.All(), gangs);
  REQUIRE(plan.has_value());
  CHECK(Names(*plan) == std::set<std::string>{"single-0", "single-1"});

  // Only the gang is of lower priority: it goes whole, members on n1 too.
  GangMembers again(c.nodes);
  auto gang_plan = FindPreemption(profile, Info(MakePod("q", "1", 20)), c.nodes, c.All(), again);
  REQUIRE(gang_plan.has_value());
  CHECK(Names(*gang_plan) == std::set<std::string>{"g-0", "g-1", "g-2", "g-3"});
}
