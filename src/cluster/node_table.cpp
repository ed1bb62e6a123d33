#include "cluster/node_table.h"

#include <absl/strings/str_cat.h>
#include <arpa/inet.h>

#include <algorithm>

#include "api/errors.h"

namespace gantry::cluster {

absl::StatusOr<std::vector<HostPort>> HostPortsOf(const api::PodSpec& spec) {
  std::vector<HostPort> out;
  for (const auto& c : spec.containers()) {
    for (const auto& p : c.ports()) {
      if (p.host_port() <= 0) continue;
      HostPort hp;
      hp.port = static_cast<uint16_t>(p.host_port());
      hp.protocol = p.protocol() == "UDP" ? 1 : (p.protocol() == "SCTP" ? 2 : 0);
      if (!p.host_ip().empty() && p.host_ip() != "0.0.0.0") {
        in_addr addr;
        if (inet_pton(AF_INET, p.host_ip().c_str(), &addr) != 1) {
          return absl::InvalidArgumentError(absl::StrCat("hostIP ", p.host_ip(), " is not an IPv4 address"));
        }
        hp.ip = addr.s_addr;
      }
      out.push_back(hp);
    }
  }
  return out;
}

absl::StatusOr<uint32_t> NodeTable::Upsert(std::shared_ptr<const api::Node> node) {
  auto allocatable = NodeAllocatable(node->status());
  if (!allocatable.ok()) return allocatable.status();
  const std::string& name = node->metadata().name();
  uint32_t i;
  if (auto it = index_.find(name); it != index_.end()) {
    i = it->second;
  } else {
    i = size();
    index_.emplace(name, i);
    names_.push_back(name);
    nodes_.emplace_back();
    allocatable_.emplace_back();
    requested_.emplace_back();
    unschedulable_.push_back(0);
    host_ports_.emplace_back();
    generation_.push_back(0);
  }
  allocatable_[i] = *allocatable;
  unschedulable_[i] = node->spec().unschedulable() ? 1 : 0;
  nodes_[i] = std::move(node);
  Touch(i);
  return i;
}

void NodeTable::Remove(absl::string_view name) {
  auto it = index_.find(name);
  if (it == index_.end()) return;
  uint32_t i = it->second;
  uint32_t last = size() - 1;
  index_.erase(it);
  if (i != last) {
    names_[i] = std::move(names_[last]);
    nodes_[i] = std::move(nodes_[last]);
    allocatable_[i] = allocatable_[last];
    requested_[i] = requested_[last];
    unschedulable_[i] = unschedulable_[last];
    host_ports_[i] = std::move(host_ports_[last]);
    index_[names_[i]] = i;
    Touch(i);
  }
  names_.pop_back();
  nodes_.pop_back();
  allocatable_.pop_back();
  requested_.pop_back();
  unschedulable_.pop_back();
  host_ports_.pop_back();
  generation_.pop_back();
}

std::optional<uint32_t> NodeTable::Find(absl::string_view name) const {
  auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

absl::Status NodeTable::AddPod(absl::string_view node, const PodUsage& usage) {
  auto i = Find(node);
  if (!i) return api::NotFoundError("nodes", node);
  requested_[*i].Add(usage.requests);
  auto& ports = host_ports_[*i];
  ports.insert(ports.end(), usage.host_ports.begin(), usage.host_ports.end());
  Touch(*i);
  return absl::OkStatus();
}

absl::Status NodeTable::RemovePod(absl::string_view node, const PodUsage& usage) {
  auto i = Find(node);
  if (!i) return api::NotFoundError("nodes", node);
  requested_[*i].Subtract(usage.requests);
  auto& ports = host_ports_[*i];
  for (const HostPort& hp : usage.host_ports) {
    auto it = std::find(ports.begin(), ports.end(), hp);
    if (it != ports.end()) ports.erase(it);
  }
  Touch(*i);
  return absl::OkStatus();
}

}  // namespace gantry::cluster
