// The order in which queued units leave the dispatcher. The server config
// chooses one:
//   fifo        arrival order
//   priority    higher spec.priority first, then arrival order
//   fair-share  the namespace with the smallest dominant share of what is
//               bound (DRF) goes next, arrival order within a namespace
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gantry::dispatcher {

class NamespaceShares;

struct QueueEntry {
  std::string key;
  std::string namespace_;
  int32_t priority = 0;
  uint64_t seq = 0;
};

class SortingPolicy {
 public:
  virtual ~SortingPolicy() = default;
  virtual void Push(QueueEntry entry) = 0;
  virtual std::optional<QueueEntry> Pop() = 0;
  virtual size_t size() const = 0;
};

std::unique_ptr<SortingPolicy> NewFifoPolicy();
std::unique_ptr<SortingPolicy> NewPriorityPolicy();
// `shares` must outlive the policy.
std::unique_ptr<SortingPolicy> NewFairSharePolicy(const NamespaceShares& shares);

// By name; InvalidArgument naming the choices for anything else.
absl::StatusOr<std::unique_ptr<SortingPolicy>> NewSortingPolicy(absl::string_view name,
                                                                 const NamespaceShares& shares);
std::vector<absl::string_view> SortingPolicyNames();

}  // namespace gantry::dispatcher
