// Gives every node to exactly one shard's partition, evenly: partition sizes
// never differ by more than one. A shard looks in its own partition first,
// so two shards rarely race for the same node. Every change returns the
// reassignments it made, for the cluster state to record.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gantry::dispatcher {

class NodeShuffler {
 public:
  using Moves = std::vector<std::pair<std::string, int16_t>>;  // node -> partition

  explicit NodeShuffler(int shards);

  Moves Add(const std::string& node);
  Moves Remove(const std::string& node);
  // Reassigns as few nodes as keep the partitions even.
  Moves SetShards(int shards);

  int shards() const { return static_cast<int>(members_.size()); }
  // -1 for an unknown node.
  int16_t PartitionOf(const std::string& node) const;
  std::vector<size_t> Sizes() const;

 private:
  // A node moved twice within one change is reported once, at its final place.
  using Changes = absl::flat_hash_map<std::string, int16_t>;
  void Assign(const std::string& node, int16_t partition, Changes& changes);
  void AssignToSmallest(const std::string& node, Changes& changes);
  // Moves nodes from the largest to the smallest partition until even.
  void Balance(Changes& changes);
  static Moves ToMoves(Changes changes);

  std::vector<absl::flat_hash_set<std::string>> members_;
  absl::flat_hash_map<std::string, int16_t> partition_;
};

}  // namespace gantry::dispatcher
