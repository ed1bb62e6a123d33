#include "apiserver/resource_metrics.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include "common/time_format.h"

namespace gantry::apiserver {
namespace {

using json = nlohmann::json;

json Usage(int64_t cpu_millicores, int64_t memory_bytes) {
  return {{"cpu", absl::StrCat(cpu_millicores, "m")}, {"memory", absl::StrCat(memory_bytes / 1024, "Ki")}};
}

json List(const char* kind, json items) {
  return {{"kind", kind}, {"apiVersion", "metrics.k8s.io/v1beta1"}, {"metadata", json::object()}, {"items", std::move(items)}};
}

}  // namespace

std::optional<json> ResourceMetrics(const AgentService& agents, absl::string_view path) {
  if (!absl::ConsumePrefix(&path, kResourceMetricsPrefix)) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  std::string now = NowRfc3339();
  auto usage = agents.Usage();
  if (!parts.empty() && parts[0] == "nodes" && parts.size() <= 2) {
    json items = json::array();
    for (const auto& [node, report] : usage) {
      if (parts.size() == 2 && parts[1] != node) continue;
      items.push_back({{"metadata", {{"name", node}}},
                       {"timestamp", now},
                       {"window", "10s"},
                       {"usage", Usage(report.cpu_millicores(), report.memory_bytes())}});
    }
    if (parts.size() == 2) return items.empty() ? std::nullopt : std::optional<json>(items[0]);
    return List("NodeMetricsList", std::move(items));
  }
  std::string ns;
  if (parts.size() == 3 && parts[0] == "namespaces" && parts[2] == "pods") {
    ns = parts[1];
  } else if (!(parts.size() == 1 && parts[0] == "pods")) {
    return std::nullopt;
  }
  json items = json::array();
  for (const auto& [node, report] : usage) {
    for (const auto& pod : report.pods()) {
      if (!ns.empty() && pod.namespace_() != ns) continue;
      items.push_back({{"metadata", {{"name", pod.pod()}, {"namespace", pod.namespace_()}}},
                       {"timestamp", now},
                       {"window", "10s"},
                       {"containers", {{{"name", "pod"}, {"usage", Usage(pod.cpu_millicores(), pod.memory_bytes())}}}}});
    }
  }
  return List("PodMetricsList", std::move(items));
}

}  // namespace gantry::apiserver
