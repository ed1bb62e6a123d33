#include "scheduler/framework.h"

#include <algorithm>

#include "api/qos.h"

namespace gantry::scheduler {
namespace {

constexpr int64_t kDefaultMilliCpuRequest = 100;
constexpr int64_t kDefaultMemoryRequest = 200LL * 1024 * 1024;

}  // namespace

absl::StatusOr<PodInfo> PodInfo::From(std::shared_ptr<const api::Pod> pod) {
  PodInfo info;
  auto requests = cluster::PodRequests(pod->spec());
  if (!requests.ok()) return requests.status();
  info.requests = *requests;
  info.score_requests = *requests;
  auto qos = api::ParseQosClass(*pod);
  if (qos.ok() && *qos == api::QosClass::kReclaimed) {
    auto cpu = cluster::ResourceSlot(api::kReclaimedMilliCpu);
    auto memory = cluster::ResourceSlot(api::kReclaimedMemory);
    if (!cpu.ok()) return cpu.status();
    if (!memory.ok()) return memory.status();
    info.score_cpu_slot = *cpu;
    info.score_memory_slot = *memory;
  } else {
    int64_t cpu = 0;
    int64_t memory = 0;
    for (const auto& c : pod->spec().containers()) {
      if (!c.resources().requests().contains("cpu")) cpu += kDefaultMilliCpuRequest;
      if (!c.resources().requests().contains("memory")) memory += kDefaultMemoryRequest;
    }
    info.score_requests[cluster::kCpu] += cpu;
    info.score_requests[cluster::kMemory] += memory;
  }
  auto ports = cluster::HostPortsOf(pod->spec());
  if (!ports.ok()) return ports.status();
  info.host_ports = *std::move(ports);
  info.pod = std::move(pod);
  return info;
}

void PodInfo::SetState(const void* plugin, std::shared_ptr<const PluginState> state) const {
  for (auto& [owner, existing] : cycle_state) {
    if (owner == plugin) {
      existing = std::move(state);
      return;
    }
  }
  cycle_state.emplace_back(plugin, std::move(state));
}

void ScorePlugin::Normalize(std::vector<int64_t>&) const {}

void NormalizeByMax(std::vector<int64_t>& scores, bool reverse) {
  int64_t max = 0;
  for (int64_t s : scores) max = std::max(max, s);
  for (int64_t& s : scores) {
    if (max == 0) {
      s = reverse ? 100 : 0;
    } else {
      s = s * 100 / max;
      if (reverse) s = 100 - s;
    }
  }
}

}  // namespace gantry::scheduler
