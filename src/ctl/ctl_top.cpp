// top: cpu and memory in use per node or per pod, from the usage the agents
// report (the server's metrics.k8s.io API), printed like kubectl top.
#include <absl/strings/str_cat.h>

#include <iostream>
#include <map>

#include "api/json_codec.h"
#include "api/qos.h"
#include "api/quantity.h"
#include "ctl/ctl_command.h"
#include "ctl/table_output.h"

namespace gantry::ctl {
namespace {

int64_t Milli(const nlohmann::json& q) {
  auto parsed = api::Quantity::Parse(q.is_string() ? q.get<std::string>() : "0");
  return parsed.ok() ? parsed->MilliValue() : 0;
}

int64_t Bytes(const nlohmann::json& q) {
  auto parsed = api::Quantity::Parse(q.is_string() ? q.get<std::string>() : "0");
  return parsed.ok() ? parsed->Value() : 0;
}

nlohmann::json Table(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& rows) {
  nlohmann::json table = {{"columnDefinitions", nlohmann::json::array()}, {"rows", nlohmann::json::array()}};
  for (const auto& c : columns) table["columnDefinitions"].push_back({{"name", c}, {"priority", 0}});
  for (const auto& r : rows) table["rows"].push_back({{"cells", r}});
  return table;
}

struct Use {
  int64_t millicpu = 0;
  int64_t bytes = 0;
};

// What reclaimed pods use on each node, beside the node's total.
absl::StatusOr<std::map<std::string, Use>> ReclaimedUseByNode(ApiClient& client) {
  auto pods = client.Call("GET", "/api/v1/pods?fieldSelector=status.phase%3DRunning");
  if (!pods.ok()) return pods.status();
  std::map<std::pair<std::string, std::string>, std::string> node_of;  // reclaimed pods only
  for (const auto& p : (*pods)["items"]) {
    api::Pod pod;
    if (!api::DecodeJson(p, &pod, nullptr).ok()) continue;
    auto qos = api::ParseQosClass(pod);
    if (!qos.ok() || *qos != api::QosClass::kReclaimed) continue;
    node_of[{pod.metadata().namespace_(), pod.metadata().name()}] = pod.spec().node_name();
  }
  std::map<std::string, Use> out;
  if (node_of.empty()) return out;
  auto metrics = client.Call("GET", "/apis/metrics.k8s.io/v1beta1/pods");
  if (!metrics.ok()) return metrics.status();
  for (const auto& m : (*metrics)["items"]) {
    auto it = node_of.find({m["metadata"].value("namespace", ""), m["metadata"].value("name", "")});
    if (it == node_of.end()) continue;
    for (const auto& c : m["containers"]) {
      out[it->second].millicpu += Milli(c["usage"]["cpu"]);
      out[it->second].bytes += Bytes(c["usage"]["memory"]);
    }
  }
  return out;
}

std::string Percent(int64_t used, int64_t total) { return total > 0 ? absl::StrCat(used * 100 / total, "%") : "<unknown>"; }

}  // namespace

void AddTop(CLI::App& ctl, CtlOptions& o) {
  CLI::App* top = ctl.add_subcommand("top", "Show cpu and memory in use by nodes or pods (reported by the agents)");
  top->fallthrough();
  top->add_option("resource", o.args, "nodes or pods")->required()->check(CLI::IsMember({"nodes", "node", "pods", "pod"}));
  top->add_flag("-A,--all-namespaces", o.all_namespaces, "Pods of every namespace");
  top->footer(
      "Examples:\n"
      "  gantry ctl top nodes\n"
      "  gantry ctl top pods -n batch\n"
      "  gantry ctl top pods -A");
}

int RunTop(const CtlOptions& o, ApiClient& client) {
  bool nodes = o.args.front().rfind("node", 0) == 0;
  std::string path = nodes ? "/apis/metrics.k8s.io/v1beta1/nodes"
                     : o.all_namespaces ? "/apis/metrics.k8s.io/v1beta1/pods"
                                        : absl::StrCat("/apis/metrics.k8s.io/v1beta1/namespaces/", o.namespace_, "/pods");
  auto metrics = client.Call("GET", path);
  if (!metrics.ok()) return Fail(metrics.status());
  std::vector<std::vector<std::string>> rows;
  if (nodes) {
    auto list = client.Call("GET", "/api/v1/nodes");
    if (!list.ok()) return Fail(list.status());
    std::map<std::string, nlohmann::json> allocatable;
    for (const auto& n : (*list)["items"]) {
      allocatable[n["metadata"].value("name", "")] = n.value("status", nlohmann::json::object()).value("allocatable", nlohmann::json::object());
    }
    auto reclaimed = ReclaimedUseByNode(client);
    if (!reclaimed.ok()) return Fail(reclaimed.status());
    for (const auto& m : (*metrics)["items"]) {
      std::string name = m["metadata"].value("name", "");
      int64_t cpu = Milli(m["usage"]["cpu"]);
      int64_t memory = Bytes(m["usage"]["memory"]);
      const auto& alloc = allocatable[name];
      const Use& lent = (*reclaimed)[name];
      auto lendable = [&](absl::string_view resource) {
        return Bytes(alloc.value(std::string(resource), nlohmann::json("0")));
      };
      rows.push_back({name, absl::StrCat(cpu, "m"), Percent(cpu, Milli(alloc.value("cpu", nlohmann::json("0")))),
                      absl::StrCat(memory >> 20, "Mi"), Percent(memory, Bytes(alloc.value("memory", nlohmann::json("0")))),
                      absl::StrCat(lent.millicpu, "m/", lendable(api::kReclaimedMilliCpu), "m"),
                      absl::StrCat(lent.bytes >> 20, "Mi/", lendable(api::kReclaimedMemory) >> 20, "Mi")});
    }
    if (rows.empty()) return Fail(absl::NotFoundError("error: metrics not available yet (no agent has reported)"));
    TableOutput out({});
    out.Add(Table({"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)", "RECLAIMED-CPU(used/lendable)",
                   "RECLAIMED-MEMORY(used/lendable)"},
                  rows));
    out.Flush(std::cout);
    return 0;
  }
  for (const auto& m : (*metrics)["items"]) {
    int64_t cpu = 0;
    int64_t memory = 0;
    for (const auto& c : m["containers"]) {
      cpu += Milli(c["usage"]["cpu"]);
      memory += Bytes(c["usage"]["memory"]);
    }
    std::vector<std::string> row;
    if (o.all_namespaces) row.push_back(m["metadata"].value("namespace", ""));
    row.push_back(m["metadata"].value("name", ""));
    row.push_back(absl::StrCat(cpu, "m"));
    row.push_back(absl::StrCat(memory >> 20, "Mi"));
    rows.push_back(row);
  }
  if (rows.empty()) {
    std::cerr << "No resources found in " << (o.all_namespaces ? "any" : o.namespace_) << " namespace.\n";
    return 0;
  }
  std::vector<std::string> columns = {"NAME", "CPU(cores)", "MEMORY(bytes)"};
  if (o.all_namespaces) columns.insert(columns.begin(), "NAMESPACE");
  TableOutput out({});
  out.Add(Table(columns, rows));
  out.Flush(std::cout);
  return 0;
}

}  // namespace gantry::ctl
