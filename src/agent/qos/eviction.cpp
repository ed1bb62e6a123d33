#include "agent/qos/eviction.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <algorithm>

namespace gantry::agent::qos {
namespace {

template <typename Key>
void SortForEviction(std::vector<const ReclaimedPod*>& pods, Key usage) {
  std::stable_sort(pods.begin(), pods.end(), [&](const ReclaimedPod* a, const ReclaimedPod* b) {
    if (a->priority != b->priority) return a->priority < b->priority;
    return usage(*a) > usage(*b);
  });
}

std::string MiB(int64_t bytes) { return absl::StrFormat("%.0fMi", static_cast<double>(bytes) / (1 << 20)); }

}  // namespace

std::vector<Eviction> EvictionPolicy::Decide(const NodePressure& node, const std::vector<ReclaimedPod>& pods,
                                             absl::Time now) {
  std::vector<const ReclaimedPod*> order;
  for (const auto& p : pods) order.push_back(&p);
  std::vector<Eviction> out = Memory(node, order);
  if (out.empty()) out = Starvation(node, order, now);
  if (out.empty()) out = Overcommit(node, order, now);
  return out;
}

std::vector<Eviction> EvictionPolicy::Memory(const NodePressure& node, std::vector<const ReclaimedPod*> order) {
  std::vector<Eviction> out;
  if (settings_.memory_threshold_bytes <= 0) return out;
  int64_t used = node.memory_used_bytes;
  for (const auto* p : order) {
    if (p->evicting) used -= p->memory_bytes;
  }
  if (used < settings_.memory_threshold_bytes) return out;
  auto release = static_cast<int64_t>(settings_.release_points / 100 * static_cast<double>(node.memory_capacity_bytes));
  int64_t target = settings_.memory_threshold_bytes - release;
  SortForEviction(order, [](const ReclaimedPod& p) { return p.memory_bytes; });
  std::string why = absl::StrCat("node memory use ", MiB(used), " reached the eviction threshold ",
                                 MiB(settings_.memory_threshold_bytes), "; evicting reclaimed pods until it is below ",
                                 MiB(target));
  for (const auto* p : order) {
    if (used <= target) break;
    if (p->evicting) continue;
    out.push_back({p->uid, "memory", absl::StrCat(why, " (the pod used ", MiB(p->memory_bytes), ")")});
    used -= p->memory_bytes;
  }
  return out;
}

int64_t EvictionPolicy::CpuRequests(const std::vector<const ReclaimedPod*>& pods) {
  int64_t requests = 0;
  for (const auto* p : pods) {
    if (!p->evicting) requests += p->cpu_request_millicpu;
  }
  return requests;
}

std::vector<Eviction> EvictionPolicy::Sustained(bool holds, absl::Time* since, absl::Time now,
                                                std::vector<const ReclaimedPod*> order, const char* reason,
                                                const std::function<std::string(absl::Duration)>& why,
                                                const std::function<bool(int64_t)>& relieved) {
  std::vector<Eviction> out;
  if (!holds) {
    *since = absl::InfiniteFuture();
    return out;
  }
  *since = std::min(*since, now);
  if (now - *since < settings_.sustained) return out;
  SortForEviction(order, [](const ReclaimedPod& p) { return p.cpu_use_millicpu; });
  std::string message = why(now - *since);
  int64_t requests = CpuRequests(order);
  for (const auto* p : order) {
    if (relieved(requests)) break;
    if (p->evicting) continue;
    out.push_back({p->uid, reason, message});
    requests -= p->cpu_request_millicpu;
  }
  *since = absl::InfiniteFuture();
  return out;
}

std::vector<Eviction> EvictionPolicy::Starvation(const NodePressure& node, std::vector<const ReclaimedPod*> order,
                                                 absl::Time now) {
  int64_t requests = CpuRequests(order);
  auto quota = static_cast<double>(node.reclaimed_quota_millicpu);
  bool starved = requests > 0 && quota < settings_.starved * static_cast<double>(requests) &&
                 static_cast<double>(node.reclaimed_use_millicpu) >= settings_.busy * quota;
  return Sustained(
      starved, &starved_since_, now, std::move(order), "cpu-starvation",
      [&](absl::Duration lasted) {
        return absl::StrCat("reclaimed pods were CPU-starved for ", absl::FormatDuration(lasted),
                            ": the reclaimed quota ", node.reclaimed_quota_millicpu, "m covered less than ",
                            settings_.starved * 100, "% of their requests (", requests, "m)");
      },
      [&](int64_t left) { return quota >= settings_.recovered * static_cast<double>(left); });
}

std::vector<Eviction> EvictionPolicy::Overcommit(const NodePressure& node, std::vector<const ReclaimedPod*> order,
                                                 absl::Time now) {
  int64_t requests = CpuRequests(order);
  double allowed = settings_.overcommit * static_cast<double>(node.reclaimable_millicpu);
  return Sustained(
      static_cast<double>(requests) > allowed, &overcommitted_since_, now, std::move(order), "overcommit",
      [&](absl::Duration lasted) {
        return absl::StrCat("reclaimed requests (", requests, "m) exceeded ", settings_.overcommit,
                            " x the reclaimable CPU (", node.reclaimable_millicpu, "m) for ",
                            absl::FormatDuration(lasted));
      },
      [&](int64_t left) { return static_cast<double>(left) <= allowed; });
}

}  // namespace gantry::agent::qos
