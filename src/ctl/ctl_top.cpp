// top: cpu and memory in use per node or per pod, from the usage the agents
// report (the server's metrics.k8s.io API), printed like kubectl top.
#include <absl/strings/str_cat.h>

#include <iostream>

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

std::string Percent(int64_t used, int64_t total) { return total > 0 ? absl::StrCat(used * 100 / total, "%") : "<unknown>"; }

}  // namespace

void AddTop(CLI::App& ctl, CtlOptions& o) {
  CLI::App* top = ctl.add_subcommand("top", "Show cpu and memory in use by nodes or pods (reported by the agents)");
  top->fallthrough();
  top->add_option("resource", o.args, "nodes or pods")->required()->check(CLI::IsMember({"nodes", "node", "pods", "pod"}));
  top->add_flag("-A,--all-namespaces", o.all_namespaces, "Pods of every namespace");
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
    for (const auto& m : (*metrics)["items"]) {
      std::string name = m["metadata"].value("name", "");
      int64_t cpu = Milli(m["usage"]["cpu"]);
      int64_t memory = Bytes(m["usage"]["memory"]);
      const auto& alloc = allocatable[name];
      rows.push_back({name, absl::StrCat(cpu, "m"), Percent(cpu, Milli(alloc.value("cpu", nlohmann::json("0")))),
                      absl::StrCat(memory >> 20, "Mi"), Percent(memory, Bytes(alloc.value("memory", nlohmann::json("0"))))});
    }
    if (rows.empty()) return Fail(absl::NotFoundError("error: metrics not available yet (no agent has reported)"));
    TableOutput out({});
    out.Add(Table({"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"}, rows));
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
