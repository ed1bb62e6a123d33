#include "dispatcher/sorting_policy.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

namespace gantry::dispatcher {

std::vector<absl::string_view> SortingPolicyNames() { return {"fifo", "priority", "fair-share"}; }

absl::StatusOr<std::unique_ptr<SortingPolicy>> NewSortingPolicy(absl::string_view name,
                                                                 const NamespaceShares& shares) {
  if (name == "fifo") return NewFifoPolicy();
  if (name == "priority") return NewPriorityPolicy();
  if (name == "fair-share") return NewFairSharePolicy(shares);
  return absl::InvalidArgumentError(absl::StrCat("unknown sorting policy \"", name, "\" (choose one of ",
                                                 absl::StrJoin(SortingPolicyNames(), ", "), ")"));
}

}  // namespace gantry::dispatcher
