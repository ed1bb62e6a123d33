#include "agent/colocation_loop.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "agent/qos/reclaimed_quota.h"
#include "agent/runtime/qos_cgroups.h"
#include "common/log_format.h"
#include "common/metrics.h"
#include "common/stoppable_sleep.h"
#include "common/time_format.h"

namespace gantry::agent {
namespace {

struct LoopMetrics {
  metrics::Gauge& reclaimable_cpu;
  metrics::Gauge& reclaimable_memory;
  metrics::Gauge& reclaimed_quota;
  metrics::Family<metrics::Gauge>& pool_cpus;
  metrics::Family<metrics::Gauge>& class_cpu;
  metrics::Family<metrics::Counter>& evictions;
};

LoopMetrics& Metrics() {
  auto& r = metrics::DefaultRegistry();
  static LoopMetrics* m = new LoopMetrics{
      r.AddGauge("gantry_agent_reclaimable_millicpu", "CPU this node lends to reclaimed pods, as last computed")
          .WithLabels({}),
      r.AddGauge("gantry_agent_reclaimable_memory_bytes", "Memory this node lends to reclaimed pods, as last computed")
          .WithLabels({}),
      r.AddGauge("gantry_agent_reclaimed_quota_millicpu", "The reclaimed pods' parent CFS quota").WithLabels({}),
      r.AddGauge("gantry_agent_cpu_pool_cpus", "CPUs in each pool (shared: shared, system and reclaimed pods)",
                 {"pool"}),
      r.AddGauge("gantry_agent_class_cpu_millicores", "CPU used by each QoS class's pods", {"class"}),
      r.AddCounter("gantry_agent_evictions_total", "Reclaimed pods evicted, by the threshold crossed", {"reason"}),
  };
  return *m;
}

bool Online(api::QosClass qos) { return qos == api::QosClass::kShared || qos == api::QosClass::kSystem; }

}  // namespace

ColocationLoop::ColocationLoop(qos::QosOptions options, CgroupDriver& cgroups, qos::QosPolicy& policy,
                               ColocatedPods& pods)
    : options_(std::move(options)),
      cgroups_(cgroups),
      policy_(policy),
      pods_(pods),
      evictions_(options_.eviction),
      gate_(options_.publish_change, options_.publish_every) {}

ColocationLoop::~ColocationLoop() { Stop(); }

void ColocationLoop::Start() {
  Metrics();
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void ColocationLoop::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

bool ColocationLoop::WaitForPublication(std::stop_token stop, absl::Duration timeout) {
  std::unique_lock lock(mu_);
  published_.wait_for(lock, stop, absl::ToChronoMilliseconds(timeout), [&] { return publication_.has_value(); });
  return !stop.stop_requested();
}

std::optional<api::ReclaimedResources> ColocationLoop::TakePublication() {
  std::lock_guard lock(mu_);
  std::optional<api::ReclaimedResources> out;
  out.swap(publication_);
  return out;
}

void ColocationLoop::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Tick(absl::Now());
    SleepUnlessStopped(stop, absl::Seconds(1));
  }
}

std::optional<int64_t> ColocationLoop::CpuSince(const std::string& group, absl::Time now, int64_t* memory_bytes) {
  auto usage = cgroups_.Usage(group);
  if (!usage.ok()) return std::nullopt;
  if (memory_bytes != nullptr) *memory_bytes = usage->memory_bytes;
  return cpu_.Read(group, usage->cpu_usage_ns, now);
}

void ColocationLoop::ApplyQuota(int64_t quota, const std::vector<qos::AdmittedPod>& pods) {
  // cgroup v1 refuses a child quota above its parent's: children go down
  // before the parent does, and up after it.
  auto children = [&] {
    for (const auto& pod : pods) {
      if (pod.qos.qos != api::QosClass::kReclaimed || !pod.resources.reclaimed_cpu_limit_milli) continue;
      std::string group = pods_.GroupOf(pod.uid);
      if (group.empty()) continue;
      auto s = cgroups_.SetCpuQuota(group, std::min(*pod.resources.reclaimed_cpu_limit_milli, quota));
      if (!s.ok()) spdlog::warn("colocation: quota of {}: {}", pod.name, s);
    }
  };
  bool lowering = applied_quota_ == 0 || quota < applied_quota_;
  if (lowering) {
    policy_.SetReclaimedQuota(quota);  // pods placed from now on start below it
    children();
  }
  if (auto s = cgroups_.SetCpuQuota(ClassGroup(api::QosClass::kReclaimed), quota); !s.ok()) {
    spdlog::warn("colocation: reclaimed quota {}m: {}", quota, s);
    return;
  }
  if (!lowering) {
    policy_.SetReclaimedQuota(quota);
    children();
  }
  applied_quota_ = quota;
}

void ColocationLoop::Tick(absl::Time now) {
  LoopMetrics& m = Metrics();
  MachineUsage::Sample machine = machine_.Next();
  const int64_t capacity_millicpu = int64_t{policy_.pools().CpuCount()} * 1000;
  const int64_t dedicated_millicpu = int64_t{policy_.pools().DedicatedCount()} * 1000;
  m.pool_cpus.WithLabels({"shared"}).Set(policy_.pools().CpuCount() - policy_.pools().DedicatedCount());
  m.pool_cpus.WithLabels({"dedicated"}).Set(policy_.pools().DedicatedCount());

  // The classes' parents hold every pod's use.
  int64_t online_use = 0, all_pods_use = 0, reclaimed_use = 0, reclaimed_memory = 0;
  bool measured = true;
  for (api::QosClass qos : kQosClasses) {
    int64_t memory = 0;
    auto used = CpuSince(ClassGroup(qos), now, &memory);
    if (!used) {
      measured = false;
      continue;
    }
    m.class_cpu.WithLabels({std::string(api::QosClassName(qos))}).Set(static_cast<double>(*used));
    all_pods_use += *used;
    if (Online(qos)) online_use += *used;
    if (qos == api::QosClass::kReclaimed) {
      reclaimed_use = *used;
      reclaimed_memory = memory;
    }
  }
  if (measured) last_good_sample_ = now;

  std::vector<qos::AdmittedPod> pods = policy_.Pods();
  int64_t online_peak = 0, online_memory = 0;
  std::vector<qos::ReclaimedPod> reclaimed;
  absl::flat_hash_set<std::string> present;
  for (const auto& pod : pods) {
    std::string group = pods_.GroupOf(pod.uid);
    if (group.empty()) continue;
    int64_t memory = 0;
    std::optional<int64_t> used = CpuSince(group, now, &memory);
    if (Online(pod.qos.qos)) {
      present.insert(pod.uid);
      auto [it, fresh] = peaks_.try_emplace(pod.uid, options_.peak_window);
      if (used) it->second.Add(now, *used);
      online_peak += it->second.Peak(now);
    }
    if (pod.qos.qos == api::QosClass::kReclaimed) {
      reclaimed.push_back({pod.uid, pod.name, pod.priority, memory, used.value_or(0),
                           pod.resources.reclaimed_cpu_request_milli, pod.evicting});
    } else {
      online_memory += std::max(memory, pod.resources.memory_request_bytes);
    }
  }
  absl::erase_if(peaks_, [&](const auto& entry) { return !present.contains(entry.first); });  // gone pods no longer count
  cpu_.EndRound();
  if (!options_.reclaim) return;

  int64_t quota = qos::ReclaimedQuotaMilli(capacity_millicpu, online_use, dedicated_millicpu, options_.quota);
  if (quota != applied_quota_) ApplyQuota(quota, pods);
  m.reclaimed_quota.Set(static_cast<double>(applied_quota_));

  if (now >= next_reclaim_) {
    next_reclaim_ = now + options_.reclaim_interval;
    qos::CpuInputs cpu{.capacity_millicpu = capacity_millicpu,
                       .system_used_millicpu = std::max<int64_t>(0, machine.cpu_millicores - all_pods_use),
                       .dedicated_millicpu = dedicated_millicpu,
                       .online_peak_millicpu = online_peak};
    qos::MemoryInputs memory{.capacity_bytes = machine.memory_capacity_bytes, .online_bytes = online_memory};
    qos::Reclaimable r = qos::ComputeReclaimable(cpu, memory, options_.thresholds);
    if (now - last_good_sample_ > options_.stale_after) {
      r.stale = true;
      r.millicpu = 0;
      r.memory_bytes = 0;
    }
    reclaimable_millicpu_ = r.millicpu;
    m.reclaimable_cpu.Set(static_cast<double>(r.millicpu));
    m.reclaimable_memory.Set(static_cast<double>(r.memory_bytes));
    // The reclaimed pods' memory follows what may be lent, but is never
    // pulled below what they use: eviction takes memory back, gracefully.
    if (auto s = cgroups_.SetMemoryLimit(ClassGroup(api::QosClass::kReclaimed),
                                         std::max(r.memory_bytes, reclaimed_memory));
        !s.ok()) {
      spdlog::warn("colocation: reclaimed memory limit: {}", s);
    }
    if (gate_.Due(r, now)) {
      gate_.Published(r, now);
      api::ReclaimedResources out;
      out.set_millicpu(r.millicpu);
      out.set_memory_bytes(r.memory_bytes);
      out.set_stale(r.stale);
      out.set_cpu_threshold(r.thresholds.cpu);
      out.set_memory_threshold(r.thresholds.memory);
      out.set_capacity_millicpu(cpu.capacity_millicpu);
      out.set_system_used_millicpu(cpu.system_used_millicpu);
      out.set_system_reserved_millicpu(r.thresholds.system_reserved_millicpu);
      out.set_dedicated_millicpu(cpu.dedicated_millicpu);
      out.set_online_peak_millicpu(cpu.online_peak_millicpu);
      out.set_capacity_memory_bytes(memory.capacity_bytes);
      out.set_system_reserved_memory_bytes(r.thresholds.system_reserved_memory_bytes);
      out.set_online_memory_bytes(memory.online_bytes);
      out.set_computed_at(Rfc3339(now));
      spdlog::info("colocation: reclaimable {}m cpu, {} bytes memory{}", r.millicpu, r.memory_bytes,
                   r.stale ? " (usage data stale)" : "");
      {
        std::lock_guard lock(mu_);
        publication_ = std::move(out);
      }
      published_.notify_all();
    }
  }

  qos::NodePressure pressure{.memory_capacity_bytes = machine.memory_capacity_bytes,
                             .memory_used_bytes = machine.memory_bytes,
                             .reclaimed_quota_millicpu = applied_quota_,
                             .reclaimed_use_millicpu = reclaimed_use,
                             .reclaimable_millicpu = reclaimable_millicpu_};
  for (const qos::Eviction& e : evictions_.Decide(pressure, reclaimed, now)) {
    m.evictions.WithLabels({e.reason}).Inc();
    pods_.Evict(e.uid, e.message);
  }
}

}  // namespace gantry::agent
