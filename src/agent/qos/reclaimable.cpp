#include "agent/qos/reclaimable.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace gantry::agent::qos {

Reclaimable ComputeReclaimable(const CpuInputs& cpu, const MemoryInputs& memory, const ReclaimThresholds& t) {
  Reclaimable r;
  r.cpu_inputs = cpu;
  r.memory_inputs = memory;
  r.thresholds = t;
  double lendable_cpu = static_cast<double>(cpu.capacity_millicpu) * t.cpu -
                        static_cast<double>(std::max(cpu.system_used_millicpu, t.system_reserved_millicpu)) -
                        static_cast<double>(cpu.dedicated_millicpu) - static_cast<double>(cpu.online_peak_millicpu) * 1.1;
  r.millicpu = std::max<int64_t>(0, static_cast<int64_t>(std::floor(lendable_cpu)));
  double lendable_memory = static_cast<double>(memory.capacity_bytes) * t.memory -
                           static_cast<double>(t.system_reserved_memory_bytes) - static_cast<double>(memory.online_bytes);
  r.memory_bytes = std::max<int64_t>(0, static_cast<int64_t>(std::floor(lendable_memory)));
  return r;
}

void PeakWindow::Add(absl::Time at, int64_t value) {
  // A monotonic deque: a sample can never be the peak once a later one is at least as high.
  while (!samples_.empty() && samples_.back().second <= value) samples_.pop_back();
  samples_.emplace_back(at, value);
  while (!samples_.empty() && samples_.front().first < at - window_) samples_.pop_front();
}

int64_t PeakWindow::Peak(absl::Time now) const {
  for (const auto& [at, value] : samples_) {
    if (at >= now - window_) return value;
  }
  return 0;
}

bool PublishGate::Due(const Reclaimable& next, absl::Time now) const {
  if (!published_ || now - at_ >= every_) return true;
  auto moved = [&](int64_t before, int64_t after) {
    if (before == 0) return after != 0;
    return std::abs(static_cast<double>(after - before)) >= change_ * static_cast<double>(before);
  };
  return moved(millicpu_, next.millicpu) || moved(memory_bytes_, next.memory_bytes);
}

void PublishGate::Published(const Reclaimable& r, absl::Time now) {
  published_ = true;
  millicpu_ = r.millicpu;
  memory_bytes_ = r.memory_bytes;
  at_ = now;
}

}  // namespace gantry::agent::qos
