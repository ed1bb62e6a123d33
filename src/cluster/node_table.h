// Nodes in structure-of-arrays form: the columns a filter loop reads
// (allocatable, requested, schedulability, host ports, partition) sit in
// their own contiguous vectors; labels and taints stay on the Node object.
// Every change to a node bumps its generation so a snapshot copies only the
// rows that changed (SyncFrom); two epochs tell a snapshot when the row set
// itself moved and when the node-static properties (labels, taints,
// schedulability, partitions) that filter caches depend on changed.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/resource_vector.h"
#include "core.pb.h"

namespace gantry::cluster {

struct HostPort {
  uint32_t ip = 0;  // IPv4, network order; 0 means every address
  uint16_t port = 0;
  uint8_t protocol = 0;  // 0 TCP, 1 UDP, 2 SCTP
  friend bool operator==(const HostPort&, const HostPort&) = default;
  // Two claims collide on the same protocol and port unless both name
  // different specific addresses.
  bool ConflictsWith(const HostPort& other) const {
    return port == other.port && protocol == other.protocol && (ip == 0 || other.ip == 0 || ip == other.ip);
  }
};

absl::StatusOr<std::vector<HostPort>> HostPortsOf(const api::PodSpec& spec);

// What a pod takes from its node. `pod`, when set, is listed on the node so
// inter-pod (anti-)affinity can see its labels.
struct PodUsage {
  ResourceVector requests;
  std::vector<HostPort> host_ports;
  std::shared_ptr<const api::Pod> pod;
};

// What a pod takes, as its node is charged for it.
absl::StatusOr<PodUsage> PodUsageOf(std::shared_ptr<const api::Pod> pod);

// True when the pod has a required anti-affinity term: such pods also
// constrain where later pods may go.
bool HasRequiredAntiAffinity(const api::Pod& pod);

// Labels, taints and schedulability (the node's spec) are equal: what
// node-static filters read, so what a filter cache may keep across changes.
bool SameStaticProperties(const api::Node& a, const api::Node& b);

inline constexpr int16_t kNoPartition = -1;

class NodeTable {
 public:
  // Adds or replaces a node (its pods' usage is kept); returns its index.
  absl::StatusOr<uint32_t> Upsert(std::shared_ptr<const api::Node> node);
  // Indexes may move: the last node takes the removed node's slot.
  void Remove(absl::string_view name);
  std::optional<uint32_t> Find(absl::string_view name) const;

  // Charges or releases a pod on a node; NotFound if the node is unknown.
  absl::Status AddPod(absl::string_view node, const PodUsage& usage);
  absl::Status RemovePod(absl::string_view node, const PodUsage& usage);

  // Charges a pod to node `i` without bumping its generation: a snapshot's
  // own placement, kept until the next sync of that row brings the
  // authoritative state (which by then includes it, or rejected it).
  void AddPodUntracked(uint32_t i, const PodUsage& usage);
  // Takes back an AddPodUntracked (a gang that did not fit as a whole).
  void RemovePodUntracked(uint32_t i, const PodUsage& usage);

  uint32_t size() const { return static_cast<uint32_t>(names_.size()); }
  const std::string& name(uint32_t i) const { return names_[i]; }
  const api::Node& node(uint32_t i) const { return *nodes_[i]; }
  const ResourceVector& allocatable(uint32_t i) const { return allocatable_[i]; }
  const ResourceVector& requested(uint32_t i) const { return requested_[i]; }
  bool unschedulable(uint32_t i) const { return unschedulable_[i] != 0; }
  const std::vector<HostPort>& host_ports(uint32_t i) const { return host_ports_[i]; }
  uint64_t generation(uint32_t i) const { return generation_[i]; }
  const std::vector<std::shared_ptr<const api::Pod>>& pods(uint32_t i) const { return pods_[i]; }
  int16_t partition(uint32_t i) const { return partition_[i]; }

  // Bound or assumed pods with a required anti-affinity term, and where.
  const absl::flat_hash_map<const api::Pod*, std::string>& anti_affinity_pods() const { return anti_affinity_pods_; }

  // Which scheduler shard's partition a node belongs to.
  void SetPartition(uint32_t i, int16_t partition);

  // Bumped when labels, taints, schedulability, partitions or the row set change.
  uint64_t static_epoch() const { return static_epoch_; }

  // Makes this table equal to `source`, copying only the rows that changed
  // since the last sync (all of them when rows were added or removed).
  void SyncFrom(const NodeTable& source);

 private:
  void Touch(uint32_t i) { generation_[i] = ++clock_; }
  // Releases a pod's usage on row i; true when it carried required anti-affinity.
  bool Uncharge(uint32_t i, const PodUsage& usage);
  void ChangeLayout() {
    layout_epoch_ = ++clock_;
    static_epoch_ = clock_;
  }

  absl::flat_hash_map<std::string, uint32_t> index_;
  std::vector<std::string> names_;
  std::vector<std::shared_ptr<const api::Node>> nodes_;
  std::vector<ResourceVector> allocatable_;
  std::vector<ResourceVector> requested_;
  std::vector<uint8_t> unschedulable_;
  std::vector<std::vector<HostPort>> host_ports_;
  std::vector<uint64_t> generation_;
  std::vector<std::vector<std::shared_ptr<const api::Pod>>> pods_;
  std::vector<int16_t> partition_;
  absl::flat_hash_map<const api::Pod*, std::string> anti_affinity_pods_;
  uint64_t anti_affinity_epoch_ = 0;
  uint64_t clock_ = 0;
  uint64_t layout_epoch_ = 0;
  uint64_t static_epoch_ = 0;
};

}  // namespace gantry::cluster
