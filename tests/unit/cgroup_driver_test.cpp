#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/qos/cpu_pools.h"
#include "agent/qos/qos_policy.h"
#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/cpu_meter.h"
#include "agent/runtime/pod_scope.h"
#include "agent/runtime/qos_cgroups.h"
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

std::shared_ptr<api::Pod> PodOf(const std::string& yaml) { return FromYaml<api::Pod>(yaml); }

// One pod of each class on a 4-CPU node, placed as the process runtime places them.
struct Placed {
  qos::CpuPools pools{qos::CpuTopology{{{0, 1, 2, 3}}}};
  qos::QosPolicy policy{pools};
  std::map<api::QosClass, std::pair<qos::PodQos, api::Pod>> pods;

  Placed() {
    const char* manifests[] = {
        "metadata: {name: db, uid: d1, annotations: {gantry.io/qos-class: dedicated}}\n"
        "spec: {containers: [{name: c, image: i, resources: {requests: {cpu: '2', memory: 1Gi}, "
        "limits: {cpu: '2', memory: 1Gi}}}]}",
        "metadata: {name: web, uid: s1}\n"
        "spec: {containers: [{name: c, image: i, resources: {requests: {cpu: 500m}, limits: {cpu: '1', memory: "
        "256Mi}}}]}",
        "metadata: {name: batch, uid: r1, labels: {koordinator.sh/qosClass: BE}}\n"
        "spec: {containers: [{name: c, image: i, resources: {requests: {kubernetes.io/batch-cpu: '1k', "
        "kubernetes.io/batch-memory: 512Mi}, limits: {kubernetes.io/batch-cpu: '2k', kubernetes.io/batch-memory: "
        "1Gi}}}]}",
        "metadata: {name: logs, uid: y1, annotations: {katalyst.kubewharf.io/qos_level: system_cores}}\n"
        "spec: {containers: [{name: c, image: i, resources: {requests: {cpu: 100m}}}]}",
    };
    for (const char* m : manifests) {
      auto pod = PodOf(m);
      auto placed = policy.Admit(*pod);
      REQUIRE_MESSAGE(placed.ok(), placed.status());
      pods[placed->qos] = {*placed, *pod};
    }
  }

  void Apply(CgroupDriver& driver) {
    std::string pool = qos::FormatCpuList(pools.SharedPool());
    for (api::QosClass c : kQosClasses) REQUIRE(driver.Ensure(ClassGroup(c), ClassParentSettings(c, 4, pool)).ok());
    for (const auto& [c, placed] : pods) {
      const auto& [decided, pod] = placed;
      std::string group = PodGroup(c, pod.metadata().uid());
      REQUIRE(driver.Ensure(group, PodSettings(decided)).ok());
      REQUIRE(driver.Ensure(group + "/c", ContainerSettings(pod.spec().containers(0), decided)).ok());
    }
  }
};

}  // namespace

TEST_CASE("cpu weight follows the runc/systemd conversion of shares") {
  CHECK(qos::CpuShares(0) == 2);
  CHECK(qos::CpuShares(100) == 102);
  CHECK(qos::CpuShares(1000) == 1024);
  CHECK(CpuWeight(2) == 1);
  CHECK(CpuWeight(1024) == 39);
  CHECK(CpuWeight(262144) == 10000);
}

TEST_CASE("cgroup v2 on a fake tree: every class's files") {
  FakeTree t;
  t.Put("cgroup.controllers", "cpuset cpu io memory pids\n");
  t.Put("self-cgroup", "0::/\n");  // not in a unit: gantry's group hangs off the root
  auto driver = DetectCgroupDriver(t.root, "gantry", t.root + "/self-cgroup");
  REQUIRE(driver.ok());
  CHECK(std::string((*driver)->name()) == "v2");
  t.Put("gantry/reclaimed/cpu.idle", "0");  // the kernel has cpu.idle
  Placed placed;
  placed.Apply(**driver);

  CHECK(t.Get("cgroup.subtree_control") == "+cpu +memory +cpuset");
  CHECK(t.Get("gantry/reclaimed/podr1/cgroup.subtree_control") == "+cpu +memory +cpuset");
  // Parents: the reclaimed one has the lowest weight and is idle.
  CHECK(t.Get("gantry/reclaimed/cpu.weight") == "1");
  CHECK(t.Get("gantry/reclaimed/cpu.idle") == "1");
  CHECK(t.Get("gantry/shared/cpu.weight") == std::to_string(CpuWeight(4096)));
  CHECK(t.Get("gantry/shared/cpuset.cpus") == "0-1");
  CHECK(t.Get("gantry/dedicated/cpuset.cpus") == "<missing>");
  // dedicated: the two highest CPUs, taken out of the shared pool.
  CHECK(t.Get("gantry/dedicated/podd1/cpuset.cpus") == "2-3");
  CHECK(t.Get("gantry/dedicated/podd1/cpu.max") == "max 100000");
  CHECK(t.Get("gantry/dedicated/podd1/memory.max") == "1073741824");
  CHECK(t.Get("gantry/dedicated/podd1/c/cpuset.cpus") == "2-3");
  // shared: weight from requests, quota and memory from limits.
  CHECK(t.Get("gantry/shared/pods1/cpu.weight") == std::to_string(CpuWeight(512)));
  CHECK(t.Get("gantry/shared/pods1/cpu.max") == "100000 100000");
  CHECK(t.Get("gantry/shared/pods1/memory.max") == "268435456");
  CHECK(t.Get("gantry/shared/pods1/cpuset.cpus") == "<missing>");  // the parent's pool
  // reclaimed: weight from reclaimed-millicpu, quota from its limit, memory from reclaimed-memory.
  CHECK(t.Get("gantry/reclaimed/podr1/cpu.weight") == std::to_string(CpuWeight(1024)));
  CHECK(t.Get("gantry/reclaimed/podr1/cpu.max") == "200000 100000");
  CHECK(t.Get("gantry/reclaimed/podr1/memory.max") == "1073741824");
  CHECK(t.Get("gantry/reclaimed/podr1/c/cpu.max") == "max 100000");
  CHECK(placed.pods[api::QosClass::kReclaimed].first.oom_score_adj == 1000);
  // system: like shared.
  CHECK(t.Get("gantry/system/pody1/cpu.weight") == std::to_string(CpuWeight(102)));
  CHECK(t.Get("gantry/system/pody1/memory.max") == "max");

  REQUIRE((*driver)->SetCpuQuota("reclaimed", 300).ok());
  CHECK(t.Get("gantry/reclaimed/cpu.max") == "30000 100000");
  REQUIRE((*driver)->SetCpusetTree("shared", "0").ok());
  CHECK(t.Get("gantry/shared/cpuset.cpus") == "0");
  CHECK(t.Get("gantry/shared/pods1/cpuset.cpus") == "0");
  CHECK((*driver)->ProcsFiles("shared/pods1/c") == std::vector<std::string>{t.root + "/gantry/shared/pods1/c/cgroup.procs"});

  t.Put("gantry/shared/pods1/cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
  t.Put("gantry/shared/pods1/memory.current", "4096\n");
  t.Put("gantry/shared/pods1/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  t.Put("gantry/shared/pods1/c/cgroup.procs", "42\n43\n");
  auto usage = (*driver)->Usage("shared/pods1");
  REQUIRE(usage.ok());
  CHECK(usage->cpu_usage_ns == 1500000);
  CHECK(usage->memory_bytes == 4096);
  CHECK(usage->oom_kills == 1);
  CHECK((*driver)->Processes("shared/pods1") == std::vector<pid_t>{42, 43});
  CHECK((*driver)->Remove("shared/pods1").code() == absl::StatusCode::kFailedPrecondition);
  CHECK((*driver)->Usage("nope").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("cgroup v1 on a fake tree: every class's files, cpusets within their parents'") {
  FakeTree t;
  for (const char* h : {"cpu", "cpuacct", "memory", "cpuset"}) t.Put(absl::StrCat(h, "/cgroup.procs"), "");
  t.Put("cpuset/cpuset.cpus", "0-3\n");
  t.Put("cpuset/cpuset.mems", "0\n");
  auto driver = NewCgroupV1(t.root, {"/gantry", "/gantry", "/gantry", "/gantry"});
  Placed placed;
  placed.Apply(*driver);

  CHECK(t.Get("cpuset/gantry/cpuset.cpus") == "0-3\n");
  CHECK(t.Get("cpuset/gantry/cpuset.mems") == "0\n");
  CHECK(t.Get("cpu/gantry/reclaimed/cpu.shares") == "2");
  CHECK(t.Get("cpu/gantry/shared/cpu.shares") == "4096");
  CHECK(t.Get("cpuset/gantry/shared/cpuset.cpus") == "0-1");
  CHECK(t.Get("cpuset/gantry/reclaimed/cpuset.cpus") == "0-1");
  CHECK(t.Get("cpuset/gantry/system/cpuset.cpus") == "0-1");
  CHECK(t.Get("cpuset/gantry/dedicated/cpuset.cpus") == "0-3\n");
  CHECK(t.Get("cpuset/gantry/dedicated/podd1/cpuset.cpus") == "2-3");
  CHECK(t.Get("cpuset/gantry/dedicated/podd1/c/cpuset.cpus") == "2-3");
  CHECK(t.Get("cpuset/gantry/dedicated/podd1/cpuset.mems") == "0\n");
  CHECK(t.Get("cpu/gantry/dedicated/podd1/cpu.shares") == "2048");
  CHECK(t.Get("cpu/gantry/dedicated/podd1/cpu.cfs_quota_us") == "-1");
  CHECK(t.Get("cpu/gantry/shared/pods1/cpu.shares") == "512");
  CHECK(t.Get("cpu/gantry/shared/pods1/cpu.cfs_period_us") == "100000");
  CHECK(t.Get("cpu/gantry/shared/pods1/cpu.cfs_quota_us") == "100000");
  CHECK(t.Get("memory/gantry/shared/pods1/memory.limit_in_bytes") == "268435456");
  CHECK(t.Get("cpuset/gantry/shared/pods1/cpuset.cpus") == "0-1");  // copied from the pool
  CHECK(t.Get("cpu/gantry/reclaimed/podr1/cpu.shares") == "1024");
  CHECK(t.Get("cpu/gantry/reclaimed/podr1/cpu.cfs_quota_us") == "200000");
  CHECK(t.Get("memory/gantry/reclaimed/podr1/memory.limit_in_bytes") == "1073741824");
  CHECK(t.Get("cpu/gantry/system/pody1/cpu.shares") == "102");
  CHECK(t.Get("memory/gantry/system/pody1/memory.limit_in_bytes") == "-1");
  CHECK(driver->ProcsFiles("shared/pods1/c").size() == 4);

  // The dedicated pod leaves: the pool grows back, parents before children.
  placed.pools.Release("d1");
  REQUIRE(driver->SetCpusetTree("shared", qos::FormatCpuList(placed.pools.SharedPool())).ok());
  CHECK(t.Get("cpuset/gantry/shared/cpuset.cpus") == "0-3");
  CHECK(t.Get("cpuset/gantry/shared/pods1/c/cpuset.cpus") == "0-3");
  REQUIRE(driver->SetCpusetTree("shared", "1").ok());
  CHECK(t.Get("cpuset/gantry/shared/pods1/cpuset.cpus") == "1");
  CHECK(driver->SetCpusetTree("nope", "1").code() == absl::StatusCode::kNotFound);
}

TEST_CASE("cgroup v2 in a systemd service: pods go in a delegated scope beside it, the service's cgroup stays a leaf") {
  FakeTree t;
  t.Put("cgroup.controllers", "cpu io memory pids\n");
  t.Put("self-cgroup", "0::/system.slice/gantry-agent.service\n");
  t.Put("system.slice/gantry-agent.service/cgroup.procs", std::to_string(getpid()) + "\n");
  std::vector<std::string> started;
  auto start_scope = [&](const std::string& slice, const std::string& scope) {
    started.push_back(slice + " " + scope);
    // What systemd-run --scope leaves: the scope's cgroup with its holder in it.
    t.Put("system.slice/" + scope + "/cgroup.procs", "4242\n");
    return absl::OkStatus();
  };
  auto driver = DetectCgroupDriver(t.root, "gantry", t.root + "/self-cgroup", start_scope);
  REQUIRE(driver.ok());
  CHECK(started == std::vector<std::string>{"system.slice gantry-pods.scope"});
  CHECK(t.Get("system.slice/gantry-pods.scope/holder/cgroup.procs") == "4242");
  REQUIRE((*driver)->Ensure("shared", CgroupSettings{}).ok());
  CHECK(t.Get("system.slice/gantry-pods.scope/cgroup.subtree_control") == "+cpu +memory");
  CHECK(std::filesystem::exists(t.root + "/system.slice/gantry-pods.scope/gantry/shared/cpu.weight"));
  // systemd can put the next main process of a restart here: no controllers, no children.
  CHECK(!std::filesystem::exists(t.root + "/system.slice/gantry-agent.service/cgroup.subtree_control"));
  CHECK(!std::filesystem::exists(t.root + "/system.slice/gantry-agent.service/init"));
  CHECK(t.Get("system.slice/gantry-agent.service/cgroup.procs") == std::to_string(getpid()) + "\n");

  // A restarted agent finds the scope its pods kept, and starts none.
  auto again = DetectCgroupDriver(t.root, "gantry", t.root + "/self-cgroup", start_scope);
  REQUIRE(again.ok());
  CHECK(started.size() == 1);
}

TEST_CASE("a pod scope whose holder is gone gets a new holder process in its leaf") {
  FakeTree t;
  t.Put("system.slice/gantry-pods.scope/cgroup.procs", "");
  auto never = [](const std::string&, const std::string&) { return absl::InternalError("not to be started"); };
  auto scope = EnsurePodScope(t.root, "/system.slice/gantry-server.service", never);
  REQUIRE_MESSAGE(scope.ok(), scope.status());
  CHECK(*scope == "/system.slice/gantry-pods.scope");
  std::string holder = t.Get("system.slice/gantry-pods.scope/holder/cgroup.procs");
  pid_t pid = std::atoi(holder.c_str());
  REQUIRE(pid > 0);
  // The holder is a detached `sleep infinity`, not the agent's child.
  for (int i = 0; i < 50 && ReadFile(absl::StrCat("/proc/", pid, "/cmdline")).value_or("").find("infinity") ==
                                std::string::npos;
       ++i) {
    usleep(20000);
  }
  CHECK(ReadFile(absl::StrCat("/proc/", pid, "/cmdline")).value_or("") == std::string("sleep\0infinity\0", 15));
  CHECK(getppid() != pid);
  kill(pid, SIGKILL);
}

TEST_CASE("cgroup v2 elsewhere than a systemd service, or without systemd: the agent moves to its leaf, pods below") {
  for (const char* self : {"0::/docker/3f2a\n", "0::/system.slice/gantry-agent.service\n"}) {
    FakeTree t;
    std::string own = std::string(self).substr(3, std::string(self).size() - 4);
    t.Put("cgroup.controllers", "cpu io memory pids\n");
    t.Put("self-cgroup", self);
    t.Put(own.substr(1) + "/cgroup.procs", std::to_string(getpid()) + "\n");
    auto no_systemd = [](const std::string&, const std::string&) {
      return absl::FailedPreconditionError("systemd is not the service manager here");
    };
    auto driver = DetectCgroupDriver(t.root, "gantry", t.root + "/self-cgroup", no_systemd);
    REQUIRE(driver.ok());
    CHECK(t.Get(own.substr(1) + "/init/cgroup.procs") == std::to_string(getpid()));
    REQUIRE((*driver)->Ensure("shared", CgroupSettings{}).ok());
    CHECK(t.Get(own.substr(1) + "/cgroup.subtree_control") == "+cpu +memory");
    CHECK(std::filesystem::exists(t.root + own + "/gantry/shared/cpu.weight"));
    CHECK(!std::filesystem::exists(t.root + "/gantry"));
  }
}

TEST_CASE("without cpu and memory in v2 and without v1 hierarchies there is no driver") {
  FakeTree t;
  t.Put("unified/cgroup.controllers", "hugetlb\n");
  auto driver = DetectCgroupDriver(t.root, "gantry");
  CHECK(driver.status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("cpu meter: millicores between readings, forgetting groups that are gone") {
  CpuMeter meter;
  absl::Time t0 = absl::FromUnixSeconds(1000);
  CHECK_FALSE(meter.Read("a", 5'000'000'000, t0).has_value());
  CHECK(meter.Read("a", 5'500'000'000, t0 + absl::Seconds(1)) == 500);
  CHECK_FALSE(meter.Read("a", 100, t0 + absl::Seconds(2)).has_value());  // made anew
  meter.EndRound();
  meter.EndRound();  // "a" not read in this round: forgotten
  CHECK_FALSE(meter.Read("a", 200, t0 + absl::Seconds(3)).has_value());
}
