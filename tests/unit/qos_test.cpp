#include <doctest/doctest.h>

#include "agent/qos/cpu_pools.h"
#include "agent/qos/eviction.h"
#include "agent/qos/pod_resources.h"
#include "agent/qos/qos_options.h"
#include "agent/qos/qos_policy.h"
#include "agent/qos/reclaimable.h"
#include "agent/qos/reclaimed_quota.h"
#include "api/defaults.h"
#include "api/errors.h"
#include "api/kinds.h"
#include "api/qos.h"
#include "api/validation.h"
#include "cluster/resource_vector.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::agent::qos;
using api::QosClass;

namespace {

std::shared_ptr<api::Pod> PodOf(const std::string& meta, const std::string& resources = "{}") {
  return FromYaml<api::Pod>("metadata: " + meta + "\nspec: {containers: [{name: c, image: i, resources: " +
                            resources + "}]}");
}

absl::Status Validate(const api::Pod& pod) {
  const api::KindInfo& kind = *api::FindKindByApiVersion("v1", "Pod");
  api::Pod copy = pod;
  api::ApplyDefaults(kind, &copy);
  return api::Validate(kind, copy, nullptr);
}

}  // namespace

TEST_CASE("QoS class from gantry's, Katalyst's and Koordinator's markers") {
  struct Row {
    std::string meta;
    QosClass want;
  };
  std::vector<Row> rows = {
      {"{name: p}", QosClass::kShared},
      {"{name: p, annotations: {gantry.io/qos-class: dedicated}}", QosClass::kDedicated},
      {"{name: p, annotations: {gantry.io/qos-class: system}}", QosClass::kSystem},
      {"{name: p, annotations: {katalyst.kubewharf.io/qos_level: reclaimed_cores}}", QosClass::kReclaimed},
      {"{name: p, annotations: {katalyst.kubewharf.io/qos_level: dedicated_cores}}", QosClass::kDedicated},
      {"{name: p, annotations: {katalyst.kubewharf.io/qos_level: shared_cores}}", QosClass::kShared},
      {"{name: p, annotations: {katalyst.kubewharf.io/qos_level: system_cores}}", QosClass::kSystem},
      {"{name: p, labels: {koordinator.sh/qosClass: LSE}}", QosClass::kDedicated},
      {"{name: p, labels: {koordinator.sh/qosClass: LSR}}", QosClass::kDedicated},
      {"{name: p, labels: {koordinator.sh/qosClass: LS}}", QosClass::kShared},
      {"{name: p, labels: {koordinator.sh/qosClass: BE}}", QosClass::kReclaimed},
      {"{name: p, labels: {koordinator.sh/qosClass: SYSTEM}}", QosClass::kSystem},
      // Agreeing markers are fine.
      {"{name: p, labels: {koordinator.sh/qosClass: BE}, annotations: {gantry.io/qos-class: reclaimed}}",
       QosClass::kReclaimed},
  };
  for (const auto& row : rows) {
    auto got = api::ParseQosClass(*PodOf(row.meta));
    REQUIRE_MESSAGE(got.ok(), row.meta);
    CHECK_MESSAGE(*got == row.want, row.meta);
  }
  CHECK(api::QosMarkerOf(*PodOf("{name: p, labels: {koordinator.sh/qosClass: BE}}")) == "koordinator.sh/qosClass=BE");
  CHECK(api::QosMarkerOf(*PodOf("{name: p}")).empty());
  // No marker, but reclaimed resources under any of their names.
  for (const char* name : {"gantry.io/reclaimed-millicpu", "kubernetes.io/batch-cpu",
                           "resource.katalyst.kubewharf.io/reclaimed_millicpu", "katalyst.kubewharf.io/reclaimed_memory"}) {
    auto got = api::ParseQosClass(*PodOf("{name: p}", std::string("{requests: {") + name + ": '1000'}}"));
    REQUIRE(got.ok());
    CHECK_MESSAGE(*got == QosClass::kReclaimed, name);
  }
}

TEST_CASE("contradictory or unknown class markers are a 422 naming the fields") {
  auto both = PodOf("{name: p, labels: {koordinator.sh/qosClass: LS}, annotations: {katalyst.kubewharf.io/qos_level: "
                    "reclaimed_cores}}");
  absl::Status s = Validate(*both);
  auto details = api::DetailsOf(s);
  CHECK(details.code == 422);
  REQUIRE(details.causes.size() == 1);
  CHECK(details.causes[0].field == "metadata.labels[koordinator.sh/qosClass]");
  CHECK(details.causes[0].message.find("metadata.annotations[katalyst.kubewharf.io/qos_level]") != std::string::npos);
  auto unknown = PodOf("{name: p, annotations: {gantry.io/qos-class: gold}}");
  details = api::DetailsOf(Validate(*unknown));
  CHECK(details.code == 422);
  CHECK(details.causes.at(0).field == "metadata.annotations[gantry.io/qos-class]");
  // A reclaimed pod asks for reclaimed resources, in whole millicores.
  auto cpu = PodOf("{name: p, labels: {koordinator.sh/qosClass: BE}}", "{requests: {cpu: 100m}}");
  CHECK(api::DetailsOf(Validate(*cpu)).causes.at(0).field == "spec.containers[0].resources.requests[cpu]");
  auto fraction = PodOf("{name: p}", "{requests: {kubernetes.io/batch-cpu: 500m}}");
  CHECK(api::DetailsOf(Validate(*fraction)).causes.at(0).field ==
        "spec.containers[0].resources.requests[kubernetes.io/batch-cpu]");
  CHECK(Validate(*PodOf("{name: p}", "{requests: {kubernetes.io/batch-cpu: 1k}, limits: {kubernetes.io/batch-cpu: "
                                     "2k}}"))
            .ok());
}

TEST_CASE("reclaimed resource aliases count as one resource") {
  CHECK(api::CanonicalResourceName("kubernetes.io/batch-cpu") == api::kReclaimedMilliCpu);
  CHECK(api::CanonicalResourceName("resource.katalyst.kubewharf.io/reclaimed_memory") == api::kReclaimedMemory);
  CHECK(api::CanonicalResourceName("nvidia.com/gpu") == "nvidia.com/gpu");
  CHECK(*cluster::ResourceSlot("kubernetes.io/batch-cpu") == *cluster::ResourceSlot("gantry.io/reclaimed-millicpu"));
  auto pod = FromYaml<api::Pod>(
      "metadata: {name: p}\nspec: {containers: [{name: a, image: i, resources: {requests: {kubernetes.io/batch-cpu: "
      "'300'}}}, {name: b, image: i, resources: {requests: {katalyst.kubewharf.io/reclaimed_millicpu: '200'}}}]}");
  auto requests = cluster::PodRequests(pod->spec());
  REQUIRE(requests.ok());
  CHECK((*requests)[*cluster::ResourceSlot(api::kReclaimedMilliCpu)] == 500);
  CHECK((*requests)[cluster::kCpu] == 0);
  PodResources r = ResourcesOf(pod->spec());
  CHECK(r.reclaimed_cpu_request_milli == 500);
  CHECK_FALSE(r.reclaimed_cpu_limit_milli.has_value());
}

TEST_CASE("a pod's resources: requests summed, limits only when every container sets them") {
  auto both = FromYaml<api::Pod>(
      "metadata: {name: p}\nspec:\n  containers:\n"
      "  - {name: a, image: i, resources: {requests: {cpu: 100m}, limits: {cpu: 200m, memory: 32Mi}}}\n"
      "  - {name: b, image: i, resources: {requests: {cpu: '1'}, limits: {cpu: 300m, memory: 1Gi}}}\n");
  PodResources r = ResourcesOf(both->spec());
  CHECK(r.cpu_request_milli == 1100);
  CHECK(r.cpu_limit_milli == 500);
  CHECK(r.memory_limit_bytes == (32LL << 20) + (1LL << 30));
  auto partial = FromYaml<api::Pod>(
      "metadata: {name: p}\nspec:\n  containers:\n"
      "  - {name: a, image: i, resources: {limits: {cpu: 200m, memory: 32Mi}}}\n  - {name: b, image: i}\n");
  r = ResourcesOf(partial->spec());
  CHECK(r.cpu_request_milli == 0);
  CHECK_FALSE(r.cpu_limit_milli.has_value());
  CHECK_FALSE(r.memory_limit_bytes.has_value());
}

TEST_CASE("reclaimable cpu and memory: the formulas") {
  struct Row {
    CpuInputs cpu;
    ReclaimThresholds t;
    int64_t want;
  };
  std::vector<Row> rows = {
      // 8 CPUs × 0.65 = 5200 − system 300 − dedicated 2000 − 1.1 × 1000 = 1800
      {{8000, 300, 2000, 1000}, {}, 1800},
      // system reserved beats lower measured use: 5200 − 500 − 0 − 1100 = 3600
      {{8000, 100, 0, 1000}, {.system_reserved_millicpu = 500}, 3600},
      // never negative
      {{2000, 200, 1000, 1000}, {}, 0},
      // idle node, threshold 1.0
      {{2000, 0, 0, 0}, {.cpu = 1.0}, 2000},
  };
  for (const auto& row : rows) {
    CHECK(ComputeReclaimable(row.cpu, {}, row.t).millicpu == row.want);
  }
  struct MemoryRow {
    MemoryInputs memory;
    ReclaimThresholds t;
    int64_t want;
  };
  std::vector<MemoryRow> memory_rows = {
      // 16 GiB × 0.65 − reserved 1 GiB − online 4 GiB
      {{16LL << 30, 4LL << 30}, {.system_reserved_memory_bytes = 1LL << 30},
       static_cast<int64_t>((16LL << 30) * 0.65) - (5LL << 30)},
      {{4LL << 30, 4LL << 30}, {}, 0},
  };
  for (const auto& row : memory_rows) {
    CHECK(ComputeReclaimable({}, row.memory, row.t).memory_bytes == row.want);
  }
  Reclaimable r = ComputeReclaimable({8000, 300, 2000, 1000}, {16LL << 30, 0}, {});
  CHECK(r.cpu_inputs.online_peak_millicpu == 1000);  // every term is kept for describe node
  CHECK(r.thresholds.cpu == 0.65);
}

TEST_CASE("reclaimed quota: capacity less online use, dedicated CPUs and margin, with a floor") {
  ReclaimedQuotaSettings s;  // floor 100m, margin 5%
  CHECK(ReclaimedQuotaMilli(2000, 1000, 0, s) == 900);
  CHECK(ReclaimedQuotaMilli(8000, 1500, 2000, s) == 4100);
  CHECK(ReclaimedQuotaMilli(2000, 1950, 0, s) == 100);
  CHECK(ReclaimedQuotaMilli(2000, 0, 0, {.floor_millicpu = 100, .margin = 0}) == 2000);
}

TEST_CASE("peak window and publish gate") {
  absl::Time t0 = absl::FromUnixSeconds(1000);
  PeakWindow peak(absl::Seconds(60));
  peak.Add(t0, 500);
  peak.Add(t0 + absl::Seconds(10), 200);
  CHECK(peak.Peak(t0 + absl::Seconds(30)) == 500);
  CHECK(peak.Peak(t0 + absl::Seconds(65)) == 200);  // the 500 left the window
  CHECK(peak.Peak(t0 + absl::Seconds(200)) == 0);

  PublishGate gate(0.10, absl::Seconds(60));
  Reclaimable r;
  r.millicpu = 1000;
  CHECK(gate.Due(r, t0));
  gate.Published(r, t0);
  r.millicpu = 1050;  // moved 5%
  CHECK_FALSE(gate.Due(r, t0 + absl::Seconds(10)));
  r.millicpu = 880;  // moved 12%
  CHECK(gate.Due(r, t0 + absl::Seconds(10)));
  r.millicpu = 1000;
  CHECK(gate.Due(r, t0 + absl::Seconds(60)));  // unchanged but a minute old
}

TEST_CASE("dedicated CPUs: whole, NUMA-local, out of the shared pool, which keeps one") {
  CpuPools pools(CpuTopology{{{0, 1, 2, 3}, {4, 5, 6, 7}}});
  auto a = pools.Allocate("a", 3);
  REQUIRE(a.ok());
  CHECK(*a == std::vector<int>{5, 6, 7});  // one NUMA node, highest first
  auto b = pools.Allocate("b", 2);
  REQUIRE(b.ok());
  CHECK(*b == std::vector<int>{2, 3});  // node 0 has room; node 1 has one left
  CHECK(pools.SharedPool() == std::vector<int>{0, 1, 4});
  CHECK(*pools.Allocate("a", 3) == *a);  // asking again gives the same CPUs
  CHECK(pools.Allocate("c", 3).status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(pools.Restore("d", {2}).code() == absl::StatusCode::kFailedPrecondition);
  pools.Release("a");
  CHECK(pools.SharedPool() == std::vector<int>{0, 1, 4, 5, 6, 7});
  CHECK(pools.DedicatedCount() == 2);
  CHECK(FormatCpuList({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8");
  CHECK(*ParseCpuList("0-2,5,7-8\n") == std::vector<int>{0, 1, 2, 5, 7, 8});
  CHECK_FALSE(ParseCpuList("3-1").ok());
}

TEST_CASE("a dedicated pod needs integer cpu requests equal to limits") {
  CpuPools pools(CpuTopology{{{0, 1}}});
  QosPolicy policy(pools);
  auto fractional = PodOf("{name: p, uid: u1, annotations: {gantry.io/qos-class: dedicated}}",
                          "{requests: {cpu: 500m}, limits: {cpu: 500m}}");
  CHECK(policy.Admit(*fractional).status().code() == absl::StatusCode::kFailedPrecondition);
  auto too_big = PodOf("{name: p, uid: u2, annotations: {gantry.io/qos-class: dedicated}}",
                       "{requests: {cpu: '2'}, limits: {cpu: '2'}}");
  CHECK(policy.Admit(*too_big).status().code() == absl::StatusCode::kResourceExhausted);
  auto one = PodOf("{name: p, uid: u3, annotations: {gantry.io/qos-class: dedicated}}",
                   "{requests: {cpu: '1'}, limits: {cpu: '1'}}");
  auto placed = policy.Admit(*one);
  REQUIRE(placed.ok());
  CHECK(placed->cpus == std::vector<int>{1});
  CHECK(policy.Release("u3"));
  CHECK(pools.SharedPool() == std::vector<int>{0, 1});
  // A reclaimed pod's quota starts below the reclaimed parent's.
  policy.SetReclaimedQuota(300);
  auto batch = PodOf("{name: b, uid: u4}", "{requests: {kubernetes.io/batch-cpu: '500'}, limits: "
                                           "{kubernetes.io/batch-cpu: '1000'}}");
  CHECK(policy.Admit(*batch)->cpu_quota_milli == 300);
}

TEST_CASE("eviction: memory pressure evicts lowest priority first, then the largest, until 2 points below") {
  EvictionSettings settings;
  settings.memory_threshold_bytes = 700;  // of 1000: 70%
  EvictionPolicy policy(settings);
  std::vector<ReclaimedPod> pods = {
      {"a", "ns/a", 10, 100, 0, 0, false},
      {"b", "ns/b", 0, 50, 0, 0, false},
      {"c", "ns/c", 0, 120, 0, 0, false},
      {"d", "ns/d", 0, 30, 0, 0, false},
  };
  absl::Time now = absl::FromUnixSeconds(1000);
  NodePressure node{.memory_capacity_bytes = 1000, .memory_used_bytes = 760};
  auto out = policy.Decide(node, pods, now);
  // 760 − 120 (c) = 640 > 680? no: target is 680, so c alone suffices.
  REQUIRE(out.size() == 1);
  CHECK(out[0].uid == "c");
  CHECK(out[0].reason == "memory");
  node.memory_used_bytes = 850;  // 850 − 120 − 50 = 680 ≤ 680
  out = policy.Decide(node, pods, now);
  REQUIRE(out.size() == 2);
  CHECK(out[0].uid == "c");
  CHECK(out[1].uid == "b");
  // A pod already going counts as freed.
  pods[2].evicting = true;
  node.memory_used_bytes = 800;
  CHECK(policy.Decide(node, pods, now).empty());
  node.memory_used_bytes = 600;
  CHECK(policy.Decide(node, pods, now).empty());
}

TEST_CASE("eviction: CPU starvation and overcommit must last before a pod goes") {
  EvictionSettings settings;
  EvictionPolicy policy(settings);
  std::vector<ReclaimedPod> pods = {
      {"big", "ns/big", 0, 0, 300, 1000, false},
      {"small", "ns/small", 0, 0, 100, 500, false},
      {"vip", "ns/vip", 100, 0, 400, 500, false},
  };
  absl::Time t0 = absl::FromUnixSeconds(1000);
  // Quota 500m covers 25% of 2000m requested, and the pods use 95% of it.
  NodePressure node{.reclaimed_quota_millicpu = 500, .reclaimed_use_millicpu = 475, .reclaimable_millicpu = 2000};
  CHECK(policy.Decide(node, pods, t0).empty());
  CHECK(policy.Decide(node, pods, t0 + absl::Seconds(30)).empty());
  auto out = policy.Decide(node, pods, t0 + absl::Seconds(60));
  // Until the quota covers 80%: 2000 → 1000 (big) → 500 (small): 500 ≥ 400.
  REQUIRE(out.size() == 2);
  CHECK(out[0].uid == "big");
  CHECK(out[1].uid == "small");
  CHECK(out[0].reason == "cpu-starvation");
  // Not busy: no starvation, the clock resets.
  node.reclaimed_use_millicpu = 100;
  CHECK(policy.Decide(node, pods, t0 + absl::Seconds(200)).empty());

  EvictionPolicy overcommit(settings);
  NodePressure lent{.reclaimed_quota_millicpu = 2000, .reclaimed_use_millicpu = 0, .reclaimable_millicpu = 1000};
  CHECK(overcommit.Decide(lent, pods, t0).empty());  // 2000 > 1.5 × 1000, not yet for 60 s
  out = overcommit.Decide(lent, pods, t0 + absl::Seconds(61));
  REQUIRE(out.size() == 1);
  CHECK(out[0].uid == "big");  // 2000 − 1000 ≤ 1500
  CHECK(out[0].reason == "overcommit");
}

TEST_CASE("memory eviction threshold in percent or bytes") {
  CHECK(*ResolveMemoryThreshold("70%", 1000) == 700);
  CHECK(*ResolveMemoryThreshold("512Mi", 1LL << 40) == 512LL << 20);
  CHECK(ResolveMemoryThreshold("170%", 1000).status().message().find("--memory-eviction-threshold") !=
        std::string::npos);
  CHECK_FALSE(ResolveMemoryThreshold("lots", 1000).ok());
}
