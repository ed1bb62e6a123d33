#include "dispatcher/node_shuffler.h"

#include <algorithm>

namespace gantry::dispatcher {
namespace {

constexpr auto kBySize = [](const auto& a, const auto& b) { return a.size() < b.size(); };

}  // namespace

NodeShuffler::NodeShuffler(int shards) : members_(static_cast<size_t>(std::max(shards, 1))) {}

NodeShuffler::Moves NodeShuffler::Add(const std::string& node) {
  Changes changes;
  if (!partition_.contains(node)) AssignToSmallest(node, changes);
  return ToMoves(std::move(changes));
}

NodeShuffler::Moves NodeShuffler::Remove(const std::string& node) {
  Changes changes;
  auto it = partition_.find(node);
  if (it == partition_.end()) return {};
  members_[it->second].erase(node);
  partition_.erase(it);
  Balance(changes);
  return ToMoves(std::move(changes));
}

NodeShuffler::Moves NodeShuffler::SetShards(int shards) {
  Changes changes;
  size_t n = static_cast<size_t>(std::max(shards, 1));
  std::vector<std::string> orphans;
  for (size_t p = n; p < members_.size(); ++p) orphans.insert(orphans.end(), members_[p].begin(), members_[p].end());
  members_.resize(n);
  for (const std::string& node : orphans) {
    partition_.erase(node);
    AssignToSmallest(node, changes);
  }
  Balance(changes);
  return ToMoves(std::move(changes));
}

int16_t NodeShuffler::PartitionOf(const std::string& node) const {
  auto it = partition_.find(node);
  return it == partition_.end() ? -1 : it->second;
}

std::vector<size_t> NodeShuffler::Sizes() const {
  std::vector<size_t> out;
  for (const auto& m : members_) out.push_back(m.size());
  return out;
}

void NodeShuffler::Assign(const std::string& node, int16_t partition, Changes& changes) {
  auto it = partition_.find(node);
  if (it != partition_.end()) members_[it->second].erase(node);
  partition_[node] = partition;
  members_[partition].insert(node);
  changes[node] = partition;
}

void NodeShuffler::AssignToSmallest(const std::string& node, Changes& changes) {
  auto smallest = std::min_element(members_.begin(), members_.end(), kBySize);
  Assign(node, static_cast<int16_t>(smallest - members_.begin()), changes);
}

void NodeShuffler::Balance(Changes& changes) {
  while (true) {
    auto [small, large] = std::minmax_element(members_.begin(), members_.end(), kBySize);
    if (large->size() <= small->size() + 1) return;
    std::string node = *large->begin();
    Assign(node, static_cast<int16_t>(small - members_.begin()), changes);
  }
}

NodeShuffler::Moves NodeShuffler::ToMoves(Changes changes) {
  Moves moves(changes.begin(), changes.end());
  std::sort(moves.begin(), moves.end());
  return moves;
}

}  // namespace gantry::dispatcher
