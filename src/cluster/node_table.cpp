#include "cluster/node_table.h"

#include <absl/strings/str_cat.h>
#include <arpa/inet.h>
#include <google/protobuf/util/message_differencer.h>

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

bool HasRequiredAntiAffinity(const api::Pod& pod) {
  const auto& spec = pod.spec();
  return spec.has_affinity() && spec.affinity().has_pod_anti_affinity() &&
         !spec.affinity().pod_anti_affinity().required_during_scheduling_ignored_during_execution().empty();
}

bool SameStaticProperties(const api::Node& a, const api::Node& b) {
  using google::protobuf::util::MessageDifferencer;
  if (a.metadata().labels().size() != b.metadata().labels().size()) return false;
  for (const auto& [k, v] : a.metadata().labels()) {
    auto it = b.metadata().labels().find(k);
    if (it == b.metadata().labels().end() || it->second != v) return false;
  }
  return MessageDifferencer::Equals(a.spec(), b.spec());
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
    pods_.emplace_back();
    partition_.push_back(kNoPartition);
    ChangeLayout();
  }
  if (nodes_[i] && !SameStaticProperties(*nodes_[i], *node)) static_epoch_ = clock_ + 1;
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
    pods_[i] = std::move(pods_[last]);
    partition_[i] = partition_[last];
    index_[names_[i]] = i;
  }
  names_.pop_back();
  nodes_.pop_back();
  allocatable_.pop_back();
  requested_.pop_back();
  unschedulable_.pop_back();
  host_ports_.pop_back();
  generation_.pop_back();
  pods_.pop_back();
  partition_.pop_back();
  ChangeLayout();
}

std::optional<uint32_t> NodeTable::Find(absl::string_view name) const {
  auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<PodUsage> PodUsageOf(std::shared_ptr<const api::Pod> pod) {
  auto requests = PodRequests(pod->spec());
  if (!requests.ok()) return requests.status();
  auto ports = HostPortsOf(pod->spec());
  if (!ports.ok()) return ports.status();
  return PodUsage{*requests, *std::move(ports), std::move(pod)};
}

absl::Status NodeTable::AddPod(absl::string_view node, const PodUsage& usage) {
  auto i = Find(node);
  if (!i) return api::NotFoundError("nodes", node);
  bool anti_affinity = usage.pod && HasRequiredAntiAffinity(*usage.pod);
  AddPodUntracked(*i, usage);
  if (anti_affinity) anti_affinity_epoch_ = clock_ + 1;
  Touch(*i);
  return absl::OkStatus();
}

void NodeTable::AddPodUntracked(uint32_t i, const PodUsage& usage) {
  requested_[i].Add(usage.requests);
  auto& ports = host_ports_[i];
  ports.insert(ports.end(), usage.host_ports.begin(), usage.host_ports.end());
  if (!usage.pod) return;
  pods_[i].push_back(usage.pod);
  if (HasRequiredAntiAffinity(*usage.pod)) anti_affinity_pods_[usage.pod.get()] = names_[i];
}

absl::Status NodeTable::RemovePod(absl::string_view node, const PodUsage& usage) {
  auto i = Find(node);
  if (!i) return api::NotFoundError("nodes", node);
  if (Uncharge(*i, usage)) anti_affinity_epoch_ = clock_ + 1;
  Touch(*i);
  return absl::OkStatus();
}

void NodeTable::RemovePodUntracked(uint32_t i, const PodUsage& usage) { Uncharge(i, usage); }

bool NodeTable::Uncharge(uint32_t i, const PodUsage& usage) {
  requested_[i].Subtract(usage.requests);
  auto& ports = host_ports_[i];
  for (const HostPort& hp : usage.host_ports) {
    auto it = std::find(ports.begin(), ports.end(), hp);
    if (it != ports.end()) ports.erase(it);
  }
  if (!usage.pod) return false;
  auto& pods = pods_[i];
  if (auto it = std::find(pods.begin(), pods.end(), usage.pod); it != pods.end()) {
    *it = std::move(pods.back());
    pods.pop_back();
  }
  return anti_affinity_pods_.erase(usage.pod.get()) > 0;
}

void NodeTable::SetPartition(uint32_t i, int16_t partition) {
  if (partition_[i] == partition) return;
  partition_[i] = partition;
  Touch(i);
  static_epoch_ = clock_;
}

void NodeTable::SyncFrom(const NodeTable& source) {
  if (layout_epoch_ != source.layout_epoch_ || size() != source.size()) {
    *this = source;
    return;
  }
  if (clock_ == source.clock_) return;
  for (uint32_t i = 0; i < source.size(); ++i) {
    if (source.generation_[i] <= clock_) continue;
    nodes_[i] = source.nodes_[i];
    allocatable_[i] = source.allocatable_[i];
    requested_[i] = source.requested_[i];
    unschedulable_[i] = source.unschedulable_[i];
    host_ports_[i] = source.host_ports_[i];
    generation_[i] = source.generation_[i];
    pods_[i] = source.pods_[i];
    partition_[i] = source.partition_[i];
  }
  if (anti_affinity_epoch_ != source.anti_affinity_epoch_) {
    anti_affinity_pods_ = source.anti_affinity_pods_;
    anti_affinity_epoch_ = source.anti_affinity_epoch_;
  }
  clock_ = source.clock_;
  static_epoch_ = source.static_epoch_;
}

}  // namespace gantry::cluster
