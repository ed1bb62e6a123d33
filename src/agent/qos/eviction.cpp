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

std::vector<Eviction> EvictionPolicy::Starvation(const NodePressure& node, std::vector<const ReclaimedPod*> order,
                                                 absl::Time now) {
  std::vector<Eviction> out;
  int64_t requests = 0;
  for (const auto* p : order) {
    if (!p->evicting) requests += p->cpu_request_millicpu;
  }
  auto quota = static_cast<double>(node.reclaimed_quota_millicpu);
  bool starved = requests > 0 && quota < settings_.starved * static_cast<double>(requests) &&
                 static_cast<double>(node.reclaimed_use_millicpu) >= settings_.busy * quota;
  if (!starved) {
    starved_since_ = absl::InfiniteFuture();
    return out;
  }
  starved_since_ = std::min(starved_since_, now);
  if (now - starved_since_ < settings_.sustained) return out;
  SortForEviction(order, [](const ReclaimedPod& p) { return p.cpu_use_millicpu; });
  std::string why = absl::StrCat("reclaimed pods were CPU-starved for ", absl::FormatDuration(now - starved_since_),
                                 ": the reclaimed quota ", node.reclaimed_quota_millicpu, "m covered less than ",
                                 settings_.starved * 100, "% of their requests (", requests, "m)");
  for (const auto* p : order) {
    if (quota >= settings_.recovered * static_cast<double>(requests)) break;
    if (p->evicting) continue;
    out.push_back({p->uid, "cpu-starvation", why});
    requests -= p->cpu_request_millicpu;
  }
  starved_since_ = absl::InfiniteFuture();
  return out;
}

std::vector<Eviction> EvictionPolicy::Overcommit(const NodePressure& node, std::vector<const ReclaimedPod*> order,
                                                 absl::Time now) {
  std::vector<Eviction> out;
  int64_t requests = 0;
  for (const auto* p : order) {
    if (!p->evicting) requests += p->cpu_request_millicpu;
  }
  double allowed = settings_.overcommit * static_cast<double>(node.reclaimable_millicpu);
  if (static_cast<double>(requests) <= allowed) {
    overcommitted_since_ = absl::InfiniteFuture();
    return out;
  }
  overcommitted_since_ = std::min(overcommitted_since_, now);
  if (now - overcommitted_since_ < settings_.sustained) return out;
  SortForEviction(order, [](const ReclaimedPod& p) { return p.cpu_use_millicpu; });
  std::string why = absl::StrCat("reclaimed requests (", requests, "m) exceeded ", settings_.overcommit,
                                 " x the reclaimable CPU (", node.reclaimable_millicpu, "m) for ",
                                 absl::FormatDuration(now - overcommitted_since_));
  for (const auto* p : order) {
    if (static_cast<double>(requests) <= allowed) break;
    if (p->evicting) continue;
    out.push_back({p->uid, "overcommit", why});
    requests -= p->cpu_request_millicpu;
  }
  overcommitted_since_ = absl::InfiniteFuture();
  return out;
}

}  // namespace gantry::agent::qos
