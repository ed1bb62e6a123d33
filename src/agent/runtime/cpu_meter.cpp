#include "agent/runtime/cpu_meter.h"

namespace gantry::agent {

std::optional<int64_t> CpuMeter::Read(const std::string& key, uint64_t usage_ns, absl::Time at) {
  auto [it, first] = last_.try_emplace(key);
  Reading& last = it->second;
  std::optional<int64_t> out;
  if (!first && at > last.at && usage_ns >= last.ns) {
    out = static_cast<int64_t>(static_cast<double>(usage_ns - last.ns) / 1e6 / absl::ToDoubleSeconds(at - last.at));
  }
  last = {usage_ns, at, true};
  return out;
}

void CpuMeter::EndRound() {
  absl::erase_if(last_, [](const auto& entry) { return !entry.second.read; });
  for (auto& [key, reading] : last_) reading.read = false;
}

}  // namespace gantry::agent
