#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "agent/colocation_loop.h"
#include "agent/runtime/qos_cgroups.h"
#include "common/files.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::agent;

namespace {

// A fake cgroup v2 tree with the class parents, and pods the test places.
struct Node : ColocatedPods {
  std::string root;
  std::unique_ptr<CgroupDriver> driver;
  qos::CpuPools pools{qos::CpuTopology{{{0, 1}}}};
  qos::QosPolicy policy{pools};
  std::map<std::string, std::string> groups;
  std::vector<std::pair<std::string, std::string>> evicted;

  Node() {
    char tmpl[] = "/tmp/gantry-colocation-test-XXXXXX";
    root = mkdtemp(tmpl);
    Put("cgroup.controllers", "cpuset cpu io memory pids\n");
    driver = NewCgroupV2(root, "/gantry");
    for (api::QosClass c : kQosClasses) REQUIRE(driver->Ensure(ClassGroup(c), ClassParentSettings(c, 2, "0-1")).ok());
  }
  ~Node() override { std::filesystem::remove_all(root); }

  void Put(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(root + "/" + rel).parent_path());
    std::ofstream(root + "/" + rel) << text;
  }
  std::string Get(const std::string& rel) { return ReadFile(root + "/gantry/" + rel).value_or("<missing>"); }
  void CpuUsed(const std::string& group, int64_t usec) {
    Put(absl::StrCat("gantry/", group, "/cpu.stat"), absl::StrCat("usage_usec ", usec, "\n"));
  }

  std::string Place(const std::string& yaml) {
    auto pod = FromYaml<api::Pod>(yaml);
    auto placed = policy.Admit(*pod);
    REQUIRE(placed.ok());
    std::string group = PodGroup(placed->qos, pod->metadata().uid());
    REQUIRE(driver->Ensure(group, PodSettings(*placed)).ok());
    groups[pod->metadata().uid()] = group;
    return group;
  }

  std::string GroupOf(const std::string& uid) override { return groups[uid]; }
  void Evict(const std::string& uid, const std::string& message) override { evicted.emplace_back(uid, message); }
};

constexpr char kBatch[] =
    "metadata: {name: batch, namespace: default, uid: r1, labels: {koordinator.sh/qosClass: BE}}\n"
    "spec: {containers: [{name: c, image: i, resources: {requests: {kubernetes.io/batch-cpu: '500'}, "
    "limits: {kubernetes.io/batch-cpu: '1500'}}}]}";
constexpr char kWeb[] =
    "metadata: {name: web, namespace: default, uid: s1}\n"
    "spec: {containers: [{name: c, image: i, resources: {requests: {cpu: '1'}}}]}";

qos::QosOptions Options() {
  qos::QosOptions o;
  o.reclaim_interval = absl::Seconds(1);
  o.eviction.memory_threshold_bytes = 0;  // off unless a case sets it
  return o;
}

}  // namespace

TEST_CASE("colocation loop: the reclaimed quota follows the online use, children lowered first") {
  Node node;
  std::string batch = node.Place(kBatch);
  node.Place(kWeb);
  ColocationLoop loop(Options(), *node.driver, node.policy, node);
  absl::Time t0 = absl::Now();
  node.CpuUsed("shared", 0);
  loop.Tick(t0);
  // One second later the shared pods used one CPU: 2000 − 1000 − 5% margin.
  node.CpuUsed("shared", 1'000'000);
  loop.Tick(t0 + absl::Seconds(1));
  CHECK(node.Get("reclaimed/cpu.max") == "90000 100000");
  CHECK(node.Get(batch + "/cpu.max") == "90000 100000");  // its 1500m limit, held below the parent's
  CHECK(node.policy.ReclaimedQuota() == 900);
  // The online load stops: the quota rises, and the pod gets its own limit back.
  loop.Tick(t0 + absl::Seconds(2));
  CHECK(node.Get("reclaimed/cpu.max") == "190000 100000");
  CHECK(node.Get(batch + "/cpu.max") == "150000 100000");
}

TEST_CASE("colocation loop: publishes what the node lends, then 0 once usage data is stale") {
  Node node;
  node.Place(kWeb);
  ColocationLoop loop(Options(), *node.driver, node.policy, node);
  absl::Time t0 = absl::Now();
  loop.Tick(t0);
  auto first = loop.TakePublication();
  REQUIRE(first.has_value());
  CHECK(first->capacity_millicpu() == 2000);
  CHECK(first->cpu_threshold() == doctest::Approx(0.65));
  CHECK_FALSE(first->stale());
  CHECK(first->millicpu() <= 1300);
  CHECK_FALSE(loop.TakePublication().has_value());  // taken once
  CHECK(!node.Get("reclaimed/memory.max").empty());

  // The class groups vanish: usage can no longer be read.
  std::filesystem::remove_all(node.root + "/gantry");
  loop.Tick(t0 + absl::Seconds(30));
  auto fresh_enough = loop.TakePublication();
  CHECK((!fresh_enough || !fresh_enough->stale()));
  loop.Tick(t0 + absl::Seconds(200));
  auto stale = loop.TakePublication();
  REQUIRE(stale.has_value());
  CHECK(stale->stale());
  CHECK(stale->millicpu() == 0);
  CHECK(stale->memory_bytes() == 0);
}

TEST_CASE("colocation loop: memory pressure evicts the reclaimed pod, never the online one") {
  Node node;
  node.Place(kBatch);
  node.Place(kWeb);
  qos::QosOptions options = Options();
  options.eviction.memory_threshold_bytes = 1;  // any machine is above it
  ColocationLoop loop(options, *node.driver, node.policy, node);
  loop.Tick(absl::Now());
  REQUIRE(node.evicted.size() == 1);
  CHECK(node.evicted[0].first == "r1");
  CHECK(node.evicted[0].second.find("eviction threshold") != std::string::npos);
}
