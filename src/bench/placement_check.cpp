#include "bench/placement_check.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/str_cat.h>

#include <algorithm>

#include "api/quantity.h"
#include "bench/workload_mix.h"
#include "ctl/api_client.h"

namespace gantry::bench {
namespace {

struct Usage {
  int64_t millicpu = 0;
  int64_t memory = 0;
  int64_t pods = 0;
};

int64_t Parse(const nlohmann::json& value, bool milli) {
  if (!value.is_string()) return 0;
  auto q = api::Quantity::Parse(value.get<std::string>());
  if (!q.ok()) return 0;
  return milli ? q->MilliValue() : q->Value();
}

// Every object of a collection, a page at a time (a run may have 800,000 pods).
absl::Status ForEachItem(ctl::ApiClient& client, const std::string& collection,
                         const std::function<void(const nlohmann::json&)>& each) {
  std::string next;
  do {
    std::string path = absl::StrCat(collection, "?limit=5000", next.empty() ? "" : "&continue=" + ctl::QueryEscape(next));
    auto page = client.Call("GET", path);
    if (!page.ok()) return page.status();
    for (const auto& item : (*page)["items"]) each(item);
    next = (*page)["metadata"].value("continue", "");
  } while (!next.empty());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PlacementCheck> CheckPlacement(ctl::ApiClient& client, const std::string& ns,
                                              const std::string& gang_label) {
  PlacementCheck out;
  auto found = [&](std::string what) {
    ++out.violations;
    if (out.examples.size() < 5) out.examples.push_back(std::move(what));
  };
  absl::flat_hash_map<std::string, Usage> allocatable;
  absl::flat_hash_map<std::string, std::string> zones;
  absl::Status listed = ForEachItem(client, "/api/v1/nodes", [&](const nlohmann::json& node) {
    const auto& a = node["status"]["allocatable"];
    zones[node["metadata"].value("name", "")] =
        node["metadata"].value("labels", nlohmann::json::object()).value(std::string(kZoneLabel), "");
    allocatable[node["metadata"].value("name", "")] = {Parse(a.value("cpu", nlohmann::json()), true),
                                                      Parse(a.value("memory", nlohmann::json()), false),
                                                      Parse(a.value("pods", nlohmann::json()), false)};
  });
  if (!listed.ok()) return listed;
  // Every pod of the cluster counts against its node; only the run's must all be bound.
  absl::flat_hash_map<std::string, Usage> used;
  absl::flat_hash_map<std::string, std::pair<int, int>> gangs;  // bound, members
  // A zone-spread group's members must be in distinct zones.
  absl::flat_hash_map<std::string, std::vector<std::string>> spread_zones;
  listed = ForEachItem(client, "/api/v1/pods", [&](const nlohmann::json& pod) {
    const auto& meta = pod["metadata"];
    const std::string node = pod["spec"].value("nodeName", "");
    const std::string phase = pod.value("status", nlohmann::json::object()).value("phase", "");
    bool ours = meta.value("namespace", "") == ns;
    if (ours && node.empty()) found(absl::StrCat("pod ", meta.value("name", ""), " is not bound"));
    if (ours && !gang_label.empty()) {
      std::string gang = meta.value("labels", nlohmann::json::object()).value(gang_label, "");
      auto& [bound, members] = gangs[gang];
      ++members;
      bound += node.empty() ? 0 : 1;
    }
    std::string spread = meta.value("labels", nlohmann::json::object()).value(std::string(kSpreadLabel), "");
    if (ours && !spread.empty() && !node.empty()) spread_zones[spread].push_back(zones[node]);
    if (node.empty() || phase == "Succeeded" || phase == "Failed") return;
    if (!allocatable.contains(node)) {
      if (ours) found(absl::StrCat("pod ", meta.value("name", ""), " is bound to ", node, ", which does not exist"));
      return;
    }
    Usage& u = used[node];
    ++u.pods;
    for (const auto& c : pod["spec"]["containers"]) {
      const auto& requests = c.value("resources", nlohmann::json::object()).value("requests", nlohmann::json::object());
      u.millicpu += Parse(requests.value("cpu", nlohmann::json()), true);
      u.memory += Parse(requests.value("memory", nlohmann::json()), false);
    }
  });
  if (!listed.ok()) return listed;
  for (const auto& [node, u] : used) {
    const Usage& a = allocatable[node];
    if (u.millicpu > a.millicpu || u.memory > a.memory || (a.pods > 0 && u.pods > a.pods)) {
      found(absl::StrCat("node ", node, " holds ", u.millicpu, "m cpu, ", u.memory, " B, ", u.pods, " pods over ",
                         a.millicpu, "m, ", a.memory, " B, ", a.pods));
    }
  }
  for (auto& [group, in] : spread_zones) {
    std::sort(in.begin(), in.end());
    if (std::adjacent_find(in.begin(), in.end()) != in.end()) {
      found(absl::StrCat("zone-spread group ", group, " has two pods in one zone"));
    }
  }
  for (const auto& [gang, count] : gangs) {
    if (count.first > 0 && count.first < count.second) {
      found(absl::StrCat("gang ", gang, " is partly bound: ", count.first, " of ", count.second));
    }
  }
  return out;
}

}  // namespace gantry::bench
