// Resource amounts as a fixed array so fit checks are a few integer compares:
// cpu in millicores, memory and ephemeral-storage in bytes, pods as a count,
// then extended resources (nvidia.com/gpu, ...) in slots registered on first use.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>
#include <google/protobuf/map.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "core.pb.h"

namespace gantry::cluster {

inline constexpr int kCpu = 0;
inline constexpr int kMemory = 1;
inline constexpr int kEphemeralStorage = 2;
inline constexpr int kPods = 3;
inline constexpr int kMaxResources = 16;

struct ResourceVector {
  std::array<int64_t, kMaxResources> amount{};

  int64_t& operator[](int i) { return amount[i]; }
  int64_t operator[](int i) const { return amount[i]; }
  void Add(const ResourceVector& other);
  void Subtract(const ResourceVector& other);
};

// The slot of a resource name; extended resources get the next free slot,
// and aliases (api::CanonicalResourceName) share their resource's slot.
// ResourceExhausted once kMaxResources names are in use.
absl::StatusOr<int> ResourceSlot(absl::string_view name);
std::string ResourceName(int slot);
// Slots in use so far (loops over resources stop here).
int ResourceSlotsInUse();

// A pod's request as the scheduler counts it: the sum over containers, at
// least the largest init container, plus one pod.
absl::StatusOr<ResourceVector> PodRequests(const api::PodSpec& spec);
// Node allocatable (or capacity when allocatable is absent).
absl::StatusOr<ResourceVector> NodeAllocatable(const api::NodeStatus& status);
// A resource list ("cpu" -> "4", "memory" -> "8Gi") as a vector.
absl::StatusOr<ResourceVector> ResourceListOf(const std::map<std::string, std::string>& quantities);
// Every amount of `need` is within `have`.
bool Covers(const ResourceVector& have, const ResourceVector& need);

}  // namespace gantry::cluster
