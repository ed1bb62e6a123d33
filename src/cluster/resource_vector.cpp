#include "cluster/resource_vector.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/str_cat.h>
#include <absl/synchronization/mutex.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "api/qos.h"
#include "api/quantity.h"

namespace gantry::cluster {
namespace {

struct Registry {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, int> slots ABSL_GUARDED_BY(mu) = {
      {"cpu", kCpu}, {"memory", kMemory}, {"ephemeral-storage", kEphemeralStorage}, {"pods", kPods}};
  std::vector<std::string> names ABSL_GUARDED_BY(mu) = {"cpu", "memory", "ephemeral-storage", "pods"};
  std::atomic<int> in_use{4};
};

Registry& TheRegistry() {
  static Registry* r = new Registry();
  return *r;
}

template <typename QuantityMap>
absl::Status AddQuantities(const QuantityMap& map, ResourceVector* out) {
  for (const auto& [name, text] : map) {
    auto slot = ResourceSlot(name);
    if (!slot.ok()) return slot.status();
    auto q = api::Quantity::Parse(text);
    if (!q.ok()) return absl::InvalidArgumentError(absl::StrCat(name, ": ", q.status().message()));
    (*out)[*slot] += *slot == kCpu ? q->MilliValue() : q->Value();
  }
  return absl::OkStatus();
}

}  // namespace

void ResourceVector::Add(const ResourceVector& other) {
  for (int i = 0; i < kMaxResources; ++i) amount[i] += other.amount[i];
}

void ResourceVector::Subtract(const ResourceVector& other) {
  for (int i = 0; i < kMaxResources; ++i) amount[i] -= other.amount[i];
}

absl::StatusOr<int> ResourceSlot(absl::string_view name) {
  name = api::CanonicalResourceName(name);
  Registry& r = TheRegistry();
  absl::MutexLock lock(&r.mu);
  auto it = r.slots.find(name);
  if (it != r.slots.end()) return it->second;
  if (static_cast<int>(r.names.size()) >= kMaxResources) {
    return absl::ResourceExhaustedError(
        absl::StrCat("more than ", kMaxResources, " distinct resource names; cannot track ", name));
  }
  int slot = static_cast<int>(r.names.size());
  r.slots.emplace(std::string(name), slot);
  r.names.emplace_back(name);
  r.in_use.store(slot + 1);
  return slot;
}

std::string ResourceName(int slot) {
  Registry& r = TheRegistry();
  absl::MutexLock lock(&r.mu);
  return slot >= 0 && slot < static_cast<int>(r.names.size()) ? r.names[slot] : absl::StrCat("resource#", slot);
}

int ResourceSlotsInUse() { return TheRegistry().in_use.load(); }

absl::StatusOr<ResourceVector> PodRequests(const api::PodSpec& spec) {
  ResourceVector sum;
  for (const auto& c : spec.containers()) {
    if (auto s = AddQuantities(c.resources().requests(), &sum); !s.ok()) return s;
  }
  for (const auto& c : spec.init_containers()) {
    ResourceVector init;
    if (auto s = AddQuantities(c.resources().requests(), &init); !s.ok()) return s;
    for (int i = 0; i < kMaxResources; ++i) sum[i] = std::max(sum[i], init[i]);
  }
  sum[kPods] = 1;
  return sum;
}

absl::StatusOr<ResourceVector> NodeAllocatable(const api::NodeStatus& status) {
  ResourceVector out;
  const auto& source = status.allocatable().empty() ? status.capacity() : status.allocatable();
  if (auto s = AddQuantities(source, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<ResourceVector> ResourceListOf(const std::map<std::string, std::string>& quantities) {
  ResourceVector out;
  if (auto s = AddQuantities(quantities, &out); !s.ok()) return s;
  return out;
}

bool Covers(const ResourceVector& have, const ResourceVector& need) {
  for (int i = 0; i < kMaxResources; ++i) {
    if (need[i] > have[i]) return false;
  }
  return true;
}

}  // namespace gantry::cluster
