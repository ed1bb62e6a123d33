#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include <filesystem>
#include <fstream>

#include "agent/runtime/cgroup_driver.h"
#include "common/files.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::agent;

namespace {

// A fake cgroupfs: plain files where the kernel would have control files.
struct FakeTree {
  std::string root;
  FakeTree() {
    char tmpl[] = "/tmp/gantry-cgroup-test-XXXXXX";
    root = mkdtemp(tmpl);
  }
  ~FakeTree() { std::filesystem::remove_all(root); }
  void Put(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(root + "/" + rel).parent_path());
    std::ofstream(root + "/" + rel) << text;
  }
  std::string Get(const std::string& rel) { return ReadFile(root + "/" + rel).value_or("<missing>"); }
};

}  // namespace

TEST_CASE("cpu shares and weight follow Kubernetes' conversions") {
  CHECK(CpuShares(0) == 2);
  CHECK(CpuShares(100) == 102);
  CHECK(CpuShares(1000) == 1024);
  CHECK(CpuWeight(2) == 1);
  CHECK(CpuWeight(1024) == 39);
  CHECK(CpuWeight(262144) == 10000);
}

TEST_CASE("cgroup v2 driver on a fake tree: limits, controllers, usage, removal") {
  FakeTree t;
  t.Put("cgroup.controllers", "cpuset cpu io memory pids\n");
  auto driver = DetectCgroupDriver(t.root, "gantry");
  REQUIRE(driver.ok());
  CHECK(std::string((*driver)->name()) == "v2");
  REQUIRE((*driver)->Create("pod-a", {.cpu_request_milli = 250, .cpu_limit_milli = 200,
                                      .memory_limit_bytes = 32 << 20}).ok());
  CHECK(t.Get("cgroup.subtree_control") == "+cpu +memory");
  CHECK(t.Get("gantry/cgroup.subtree_control") == "+cpu +memory");
  CHECK(t.Get("gantry/pod-a/cpu.weight") == std::to_string(CpuWeight(CpuShares(250))));
  CHECK(t.Get("gantry/pod-a/cpu.max") == "20000 100000");
  CHECK(t.Get("gantry/pod-a/memory.max") == "33554432");
  CHECK((*driver)->ProcsFiles("pod-a") == std::vector<std::string>{t.root + "/gantry/pod-a/cgroup.procs"});

  REQUIRE((*driver)->Create("pod-b", {.cpu_request_milli = 0, .cpu_limit_milli = std::nullopt,
                                      .memory_limit_bytes = std::nullopt}).ok());
  CHECK(t.Get("gantry/pod-b/cpu.max") == "max 100000");
  CHECK(t.Get("gantry/pod-b/memory.max") == "max");

  t.Put("gantry/pod-a/cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
  t.Put("gantry/pod-a/memory.current", "4096\n");
  t.Put("gantry/pod-a/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  t.Put("gantry/pod-a/cgroup.procs", "42\n43\n");
  auto usage = (*driver)->Usage("pod-a");
  REQUIRE(usage.ok());
  CHECK(usage->cpu_usage_ns == 1500000);
  CHECK(usage->memory_bytes == 4096);
  CHECK(usage->oom_kills == 1);
  CHECK((*driver)->Processes("pod-a") == std::vector<pid_t>{42, 43});
  CHECK((*driver)->Remove("pod-a").code() == absl::StatusCode::kFailedPrecondition);
  CHECK((*driver)->Usage("nope").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("without cpu and memory in v2 and without v1 hierarchies there is no driver") {
  FakeTree t;
  t.Put("unified/cgroup.controllers", "hugetlb\n");
  auto driver = DetectCgroupDriver(t.root, "gantry");
  CHECK(driver.status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("a pod's cgroup limits: requests summed, limits only when every container sets them") {
  auto spec = [](const std::string& containers) {
    auto pod = FromYaml<api::Pod>("metadata: {name: p}\nspec:\n  containers:\n" + containers);
    return pod->spec();
  };
  CgroupLimits both = CgroupLimitsOf(spec(
      "  - {name: a, image: i, resources: {requests: {cpu: 100m}, limits: {cpu: 200m, memory: 32Mi}}}\n"
      "  - {name: b, image: i, resources: {requests: {cpu: '1'}, limits: {cpu: 300m, memory: 1Gi}}}\n"));
  CHECK(both.cpu_request_milli == 1100);
  CHECK(both.cpu_limit_milli == 500);
  CHECK(both.memory_limit_bytes == (32LL << 20) + (1LL << 30));
  CgroupLimits partial = CgroupLimitsOf(spec(
      "  - {name: a, image: i, resources: {limits: {cpu: 200m, memory: 32Mi}}}\n"
      "  - {name: b, image: i}\n"));
  CHECK(partial.cpu_request_milli == 0);
  CHECK_FALSE(partial.cpu_limit_milli.has_value());
  CHECK_FALSE(partial.memory_limit_bytes.has_value());
}
