// What a node can lend to reclaimed pods, from what it measures:
//
//   cpu    = max(0, capacity × cpu_threshold − max(system_used, system_reserved)
//                   − dedicated CPUs − 1.1 × Σ peak usage of shared and system pods over the window)
//   memory = max(0, capacity × memory_threshold − system_reserved
//                   − Σ over non-reclaimed pods of max(request, usage))
//
// Every term is kept beside the result, so `ctl describe node` can show why
// the figure is what it is.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <deque>
#include <string>

namespace gantry::agent::qos {

struct ReclaimThresholds {
  double cpu = 0.65;
  double memory = 0.65;
  int64_t system_reserved_millicpu = 0;
  int64_t system_reserved_memory_bytes = 0;
};

struct CpuInputs {
  int64_t capacity_millicpu = 0;
  int64_t system_used_millicpu = 0;  // the node's use outside gantry's pods
  int64_t dedicated_millicpu = 0;    // whole CPUs held by dedicated pods
  int64_t online_peak_millicpu = 0;  // Σ peak use of shared and system pods
};

struct MemoryInputs {
  int64_t capacity_bytes = 0;
  int64_t online_bytes = 0;  // Σ over non-reclaimed pods of max(request, usage)
};

// The figure and every term behind it.
struct Reclaimable {
  CpuInputs cpu_inputs;
  MemoryInputs memory_inputs;
  ReclaimThresholds thresholds;
  int64_t millicpu = 0;
  int64_t memory_bytes = 0;
  bool stale = false;  // usage data too old: both published as 0
};

Reclaimable ComputeReclaimable(const CpuInputs& cpu, const MemoryInputs& memory, const ReclaimThresholds& t);

// The highest value seen over a sliding window.
class PeakWindow {
 public:
  explicit PeakWindow(absl::Duration window) : window_(window) {}
  void Add(absl::Time at, int64_t value);
  int64_t Peak(absl::Time now) const;  // 0 when empty

 private:
  absl::Duration window_;
  std::deque<std::pair<absl::Time, int64_t>> samples_;  // values decreasing from the front
};

// When a new figure goes out: when it moved by at least `change` of the last
// published one (either resource), when `every` has passed, or first.
class PublishGate {
 public:
  PublishGate(double change, absl::Duration every) : change_(change), every_(every) {}
  bool Due(const Reclaimable& next, absl::Time now) const;
  void Published(const Reclaimable& r, absl::Time now);

 private:
  double change_;
  absl::Duration every_;
  bool published_ = false;
  int64_t millicpu_ = 0;
  int64_t memory_bytes_ = 0;
  absl::Time at_ = absl::InfinitePast();
};

}  // namespace gantry::agent::qos
