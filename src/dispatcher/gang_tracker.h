// The dispatcher's view of gangs: which pending pods name which PodGroup
// (of any shape), what that group's spec says, how many of its members are
// already bound, and whether it is ready to be scheduled: the group exists,
// at least minMember of its pods exist, and its minResources fit in the
// cluster's total. Not thread-safe: the dispatcher guards it.
#pragma once

#include <absl/container/btree_set.h>
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/time/time.h>

#include <optional>
#include <string>

#include "api/gang.h"
#include "cluster/resource_vector.h"
#include "dispatcher/unit_progress.h"

namespace gantry::dispatcher {

class GangTracker {
 public:
  static UnitProgress Waiting() {
    UnitProgress p;
    p.state = UnitProgress::State::kWaiting;
    return p;
  }

  struct Gang {
    std::string display_name;  // "namespace/name"
    std::optional<api::GangSpec> spec;  // nullopt while its PodGroup does not exist
    // The value of spec.priorityClassName, when the group names one that exists.
    std::optional<int32_t> priority;
    absl::btree_set<std::string> pending;  // member pod keys waiting to be placed, ordered
    absl::flat_hash_set<std::string> bound;
    UnitProgress progress = Waiting();
    std::string reported;  // the wait reason last told to its pods
  };

  // A pending pod joins (idempotent); returns its gang.
  Gang& AddPending(const std::string& gang_key, const std::string& display_name, const std::string& pod_key);
  // The pod no longer waits: bound (counted towards minMember) or gone.
  void RemovePending(const std::string& gang_key, const std::string& pod_key);
  void MarkBound(const std::string& gang_key, const std::string& pod_key);
  void ForgetBound(const std::string& gang_key, const std::string& pod_key);
  // The group's PodGroup appeared, changed (spec) or was deleted (nullopt).
  Gang& SetSpec(const std::string& gang_key, const std::string& display_name, std::optional<api::GangSpec> spec,
                std::optional<int32_t> priority);

  Gang* Find(const std::string& gang_key);
  // Drops a gang nothing refers to any more (no group, no members, not in
  // flight); its queue entries go stale.
  void Collect(const std::string& gang_key);
  template <typename Fn>
  void ForEach(Fn&& fn) {
    for (auto& [key, gang] : gangs_) fn(key, gang);
  }

  // Why `gang` cannot be handed to a shard yet, or "" when it can.
  static std::string WaitReason(const Gang& gang, const cluster::ResourceVector& cluster_capacity);

 private:
  absl::flat_hash_map<std::string, Gang> gangs_;
};

}  // namespace gantry::dispatcher
