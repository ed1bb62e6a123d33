// Nodes in structure-of-arrays form: the columns a filter loop reads
// (allocatable, requested, schedulability, host ports) sit in their own
// contiguous vectors; labels and taints stay on the Node object. Every change
// to a node bumps its generation so snapshots can copy only what changed.
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

// What a pod takes from its node.
struct PodUsage {
  ResourceVector requests;
  std::vector<HostPort> host_ports;
};

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

  uint32_t size() const { return static_cast<uint32_t>(names_.size()); }
  const std::string& name(uint32_t i) const { return names_[i]; }
  const api::Node& node(uint32_t i) const { return *nodes_[i]; }
  const ResourceVector& allocatable(uint32_t i) const { return allocatable_[i]; }
  const ResourceVector& requested(uint32_t i) const { return requested_[i]; }
  bool unschedulable(uint32_t i) const { return unschedulable_[i] != 0; }
  const std::vector<HostPort>& host_ports(uint32_t i) const { return host_ports_[i]; }
  uint64_t generation(uint32_t i) const { return generation_[i]; }

 private:
  void Touch(uint32_t i) { generation_[i] = ++clock_; }

  absl::flat_hash_map<std::string, uint32_t> index_;
  std::vector<std::string> names_;
  std::vector<std::shared_ptr<const api::Node>> nodes_;
  std::vector<ResourceVector> allocatable_;
  std::vector<ResourceVector> requested_;
  std::vector<uint8_t> unschedulable_;
  std::vector<std::vector<HostPort>> host_ports_;
  std::vector<uint64_t> generation_;
  uint64_t clock_ = 0;
};

}  // namespace gantry::cluster
