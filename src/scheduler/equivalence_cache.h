// Equivalence classes: pods whose node-static scheduling inputs are equal
// (nodeSelector, required node affinity, tolerations) pass the node-static
// filters on exactly the same nodes. A shard computes that node list once
// per class and reuses it until a node's labels, taints, schedulability or
// partition change (the snapshot's static epoch), so controllers stamping
// out identical pods pay for those filters once.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core.pb.h"

namespace gantry::scheduler {

class EquivalenceCache {
 public:
  struct Entry {
    std::vector<uint32_t> own;     // feasible nodes of the shard's partition
    std::vector<uint32_t> others;  // feasible nodes of other partitions
  };

  // The class key: a deterministic encoding of the node-static inputs.
  static std::string ClassOf(const api::PodSpec& spec);

  // Forgets everything when `static_epoch` moved since the last call.
  void Validate(uint64_t static_epoch);
  const Entry* Find(const std::string& cls) const;
  const Entry& Insert(const std::string& cls, Entry entry);

 private:
  static constexpr size_t kMaxClasses = 4096;
  uint64_t epoch_ = 0;
  absl::flat_hash_map<std::string, Entry> entries_;
};

}  // namespace gantry::scheduler
