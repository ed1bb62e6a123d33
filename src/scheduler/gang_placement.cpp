#include "scheduler/gang_placement.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <algorithm>
#include <optional>

namespace gantry::scheduler {
namespace {

// Nodes a gang may use in one try: own partition first, then the rest.
struct NodeSet {
  std::vector<uint32_t> primary;
  std::vector<uint32_t> secondary;
};

cluster::PodUsage UsageOf(const PodInfo& pod) { return {pod.requests, pod.host_ports, pod.pod}; }

// Places every pod within `set`, or none (the table is restored and `why`
// holds the first failing pod's explanation).
std::optional<std::vector<uint32_t>> PlaceAll(const Profile& profile, const std::vector<PodInfo>& pods,
                                              cluster::NodeTable& nodes, const NodeSet& set, size_t& rotation,
                                              std::string* why) {
  std::vector<uint32_t> chosen;
  chosen.reserve(pods.size());
  for (const PodInfo& pod : pods) {
    Placement p = Place(profile, pod, nodes, PlaceOptions{.primary = set.primary, .secondary = set.secondary,
                                                          .start = rotation});
    rotation += p.evaluated;
    if (!p.node) {
      *why = p.explanation;
      for (size_t i = 0; i < chosen.size(); ++i) nodes.RemovePodUntracked(chosen[i], UsageOf(pods[i]));
      return std::nullopt;
    }
    nodes.AddPodUntracked(*p.node, UsageOf(pod));
    chosen.push_back(*p.node);
  }
  return chosen;
}

// The domains of `keys` (nodes sharing one value of every key), the
// roomiest (most free cpu) first; nodes missing a key belong to none.
std::vector<NodeSet> Domains(const cluster::NodeTable& nodes, const std::vector<std::string>& keys,
                             absl::Span<const uint32_t> own, absl::Span<const uint32_t> others) {
  absl::flat_hash_map<std::string, size_t> index;
  std::vector<NodeSet> domains;
  std::vector<int64_t> free_cpu;
  auto add = [&](uint32_t node, bool is_own) {
    const auto& labels = nodes.node(node).metadata().labels();
    std::vector<absl::string_view> values;
    for (const std::string& key : keys) {
      auto it = labels.find(key);
      if (it == labels.end()) return;
      values.push_back(it->second);
    }
    auto [it, added] = index.try_emplace(absl::StrJoin(values, "\x1f"), domains.size());
    if (added) {
      domains.emplace_back();
      free_cpu.push_back(0);
    }
    (is_own ? domains[it->second].primary : domains[it->second].secondary).push_back(node);
    free_cpu[it->second] += nodes.allocatable(node)[cluster::kCpu] - nodes.requested(node)[cluster::kCpu];
  };
  for (uint32_t n : own) add(n, true);
  for (uint32_t n : others) add(n, false);
  std::vector<size_t> order(domains.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return free_cpu[a] > free_cpu[b]; });
  std::vector<NodeSet> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(domains[i]));
  return sorted;
}

}  // namespace

GangPlacement PlaceGang(const Profile& profile, const std::vector<PodInfo>& pods, const dispatcher::GangInfo& gang,
                        cluster::NodeTable& nodes, const GangPlaceOptions& options) {
  GangPlacement out;
  size_t local_rotation = 0;
  size_t& rotation = options.rotation != nullptr ? *options.rotation : local_rotation;
  const std::string not_fit = absl::StrCat("0/", pods.size(), " pods of gang ", gang.name, " fit");
  std::string why;
  const auto& required = gang.spec.required_topology_keys;
  if (!required.empty()) {
    auto domains = Domains(nodes, required, options.own, options.others);
    std::string roomiest;
    for (const NodeSet& domain : domains) {
      if (auto chosen = PlaceAll(profile, pods, nodes, domain, rotation, &why)) {
        out.nodes = *std::move(chosen);
        return out;
      }
      if (roomiest.empty()) roomiest = why;
    }
    std::string keys = absl::StrJoin(required, ", ");
    out.explanation = domains.empty()
                          ? absl::StrCat(not_fit, ": no node has the topology label(s) ", keys)
                          : absl::StrCat(not_fit, " in any one of ", domains.size(), " domain(s) of ", keys,
                                         " (roomiest domain: ", roomiest, ")");
    return out;
  }
  for (const std::string& key : gang.spec.preferred_topology_keys) {
    for (const NodeSet& domain : Domains(nodes, {key}, options.own, options.others)) {
      if (auto chosen = PlaceAll(profile, pods, nodes, domain, rotation, &why)) {
        out.nodes = *std::move(chosen);
        return out;
      }
    }
  }
  NodeSet everything{{options.own.begin(), options.own.end()}, {options.others.begin(), options.others.end()}};
  if (auto chosen = PlaceAll(profile, pods, nodes, everything, rotation, &why)) {
    out.nodes = *std::move(chosen);
    return out;
  }
  out.explanation = absl::StrCat(not_fit, ": ", why);
  return out;
}

}  // namespace gantry::scheduler
