// describe: an object's fields in prose, with its recent Events.
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>

#include <iostream>
#include <sstream>

#include "api/gang.h"
#include "api/qos.h"
#include "api/json_codec.h"
#include "api/yaml_json.h"
#include "common/time_format.h"
#include "ctl/ctl_command.h"
#include "ctl/table_output.h"

namespace gantry::ctl {
namespace {

using nlohmann::json;

class Describer {
 public:
  void Field(const std::string& name, const std::string& value, int indent = 0) {
    std::string key = std::string(indent, ' ') + name + ":";
    out_ << key << std::string(key.size() < 18 ? 18 - key.size() : 1, ' ') << (value.empty() ? "<none>" : value) << "\n";
  }
  void Line(const std::string& text) { out_ << text << "\n"; }
  void Map(const std::string& name, const json& map, int indent = 0) {
    if (!map.is_object() || map.empty()) return Field(name, "<none>", indent);
    bool first = true;
    for (const auto& [k, v] : map.items()) {
      std::string entry = absl::StrCat(k, "=", CellText(v));
      if (first) {
        Field(name, entry, indent);
        first = false;
      } else {
        out_ << std::string(18 > indent ? 18 : indent + 1, ' ') << entry << "\n";
      }
    }
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string Str(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) ? CellText(obj[key]) : "";
}

void DescribeResources(Describer& d, const json& resources, int indent) {
  for (const char* section : {"limits", "requests"}) {
    if (!resources.contains(section) || resources[section].empty()) continue;
    d.Line(std::string(indent, ' ') + (section[0] == 'l' ? "Limits:" : "Requests:"));
    for (const auto& [k, v] : resources[section].items()) d.Field(k, CellText(v), indent + 2);
  }
}

void DescribeConditions(Describer& d, const json& conditions) {
  if (!conditions.is_array() || conditions.empty()) return;
  d.Line("Conditions:");
  d.Line("  Type              Status  Reason            Message");
  for (const auto& c : conditions) {
    std::string type = Str(c, "type");
    std::string status = Str(c, "status");
    std::string reason = Str(c, "reason");
    d.Line(absl::StrCat("  ", type, std::string(type.size() < 18 ? 18 - type.size() : 1, ' '), status,
                        std::string(status.size() < 8 ? 8 - status.size() : 1, ' '), reason,
                        std::string(reason.size() < 18 ? 18 - reason.size() : 1, ' '), Str(c, "message")));
  }
}

// The class the node runs the pod in, with the marker that chose it.
std::string NodeQosClassText(const json& pod) {
  api::Pod decoded;
  if (!api::DecodeJson(pod, &decoded, nullptr).ok()) return "<unknown>";
  auto qos = api::ParseQosClass(decoded);
  if (!qos.ok()) return absl::StrCat("<invalid: ", qos.status().message(), ">");
  std::string marker = api::QosMarkerOf(decoded);
  if (marker.empty()) return std::string(api::QosClassName(*qos));
  return absl::StrCat(api::QosClassName(*qos), " (", marker, ")");
}

std::string DescribePod(const json& pod) {
  Describer d;
  const json& meta = pod["metadata"];
  const json& spec = pod["spec"];
  const json& status = pod.value("status", json::object());
  d.Field("Name", Str(meta, "name"));
  d.Field("Namespace", Str(meta, "namespace"));
  d.Field("Priority", spec.contains("priority") ? CellText(spec["priority"]) : "0");
  if (spec.contains("priorityClassName")) d.Field("Priority Class Name", Str(spec, "priorityClassName"));
  std::string node = Str(spec, "nodeName");
  if (!node.empty() && status.contains("hostIP")) node += "/" + Str(status, "hostIP");
  d.Field("Node", node);
  if (status.contains("startTime")) d.Field("Start Time", Str(status, "startTime"));
  d.Map("Labels", meta.value("labels", json::object()));
  d.Map("Annotations", meta.value("annotations", json::object()));
  std::string phase = Str(status, "phase");
  if (meta.contains("deletionTimestamp")) {
    phase = absl::StrCat("Terminating (lasts ", AgeOf(Str(meta, "deletionTimestamp")), ")");
  }
  d.Field("Status", phase);
  if (status.contains("reason")) d.Field("Reason", Str(status, "reason"));
  if (status.contains("message")) d.Field("Message", Str(status, "message"));
  d.Field("IP", Str(status, "podIP"));
  d.Line("Containers:");
  json statuses = status.value("containerStatuses", json::array());
  for (const auto& c : spec.value("containers", json::array())) {
    d.Line(absl::StrCat("  ", Str(c, "name"), ":"));
    d.Field("Image", Str(c, "image"), 4);
    if (c.contains("command")) d.Field("Command", absl::StrJoin(c["command"].get<std::vector<std::string>>(), " "), 4);
    if (c.contains("args")) d.Field("Args", absl::StrJoin(c["args"].get<std::vector<std::string>>(), " "), 4);
    for (const auto& cs : statuses) {
      if (Str(cs, "name") != Str(c, "name")) continue;
      const json& state = cs.value("state", json::object());
      std::string state_name = state.empty() ? "Waiting" : state.begin().key();
      state_name[0] = static_cast<char>(std::toupper(state_name[0]));
      d.Field("State", state_name, 4);
      if (!state.empty() && state.begin()->contains("reason")) d.Field("Reason", Str(*state.begin(), "reason"), 6);
      if (!state.empty() && state.begin()->contains("exitCode")) d.Field("Exit Code", Str(*state.begin(), "exitCode"), 6);
      d.Field("Ready", cs.value("ready", false) ? "True" : "False", 4);
      d.Field("Restart Count", Str(cs, "restartCount").empty() ? "0" : Str(cs, "restartCount"), 4);
    }
    if (c.contains("resources")) DescribeResources(d, c["resources"], 4);
    if (c.contains("env")) {
      d.Line("    Environment:");
      for (const auto& e : c["env"]) d.Line(absl::StrCat("      ", Str(e, "name"), ":  ", Str(e, "value")));
    }
  }
  DescribeConditions(d, status.value("conditions", json::array()));
  d.Field("QoS Class", Str(status, "qosClass"));
  d.Field("Node QoS Class", NodeQosClassText(pod));
  d.Map("Node-Selectors", spec.value("nodeSelector", json::object()));
  std::vector<std::string> tolerations;
  for (const auto& t : spec.value("tolerations", json::array())) {
    std::string text = Str(t, "key");
    if (Str(t, "operator") == "Equal" || !Str(t, "value").empty()) text += "=" + Str(t, "value");
    if (!Str(t, "effect").empty()) text += ":" + Str(t, "effect");
    if (t.contains("tolerationSeconds")) text += absl::StrCat(" for ", Str(t, "tolerationSeconds"), "s");
    tolerations.push_back(text.empty() ? "op=Exists" : text);
  }
  d.Field("Tolerations", absl::StrJoin(tolerations, "\n                  "));
  return d.str();
}

// Why the node lends what it lends: the terms the agent published.
void DescribeReclaimed(Describer& d, const json& annotations) {
  auto it = annotations.find(std::string(api::kReclaimedBreakdownAnnotation));
  if (it == annotations.end() || !it->is_string()) return;
  json r = json::parse(it->get<std::string>(), nullptr, false);
  if (!r.is_object()) return;
  auto n = [&](const char* key) { return CellText(r.value(key, json("0"))); };
  auto mib = [&](const char* key) {
    int64_t bytes = 0;
    (void)absl::SimpleAtoi(n(key), &bytes);
    return absl::StrCat(bytes >> 20, "Mi");
  };
  d.Line(absl::StrCat("Reclaimed Resources (computed ", Str(r, "computedAt"), r.value("stale", false) ? ", usage data stale: 0 published" : "", "):"));
  d.Field("cpu", absl::StrCat(n("millicpu"), "m = max(0, ", n("capacityMillicpu"), "m capacity x ",
                              CellText(r.value("cpuThreshold", json(0))), " - max(system used ",
                              n("systemUsedMillicpu"), "m, reserved ", n("systemReservedMillicpu"), "m) - dedicated ",
                              n("dedicatedMillicpu"), "m - 1.1 x shared/system peak ", n("onlinePeakMillicpu"), "m)"),
          2);
  d.Field("memory", absl::StrCat(mib("memoryBytes"), " = max(0, ", mib("capacityMemoryBytes"), " capacity x ",
                                 CellText(r.value("memoryThreshold", json(0))), " - reserved ",
                                 mib("systemReservedMemoryBytes"), " - online pods' max(request, usage) ",
                                 mib("onlineMemoryBytes"), ")"),
          2);
}

std::string DescribeNode(const json& node, ApiClient& client) {
  Describer d;
  const json& meta = node["metadata"];
  const json& spec = node.value("spec", json::object());
  const json& status = node.value("status", json::object());
  d.Field("Name", Str(meta, "name"));
  d.Map("Labels", meta.value("labels", json::object()));
  d.Map("Annotations", meta.value("annotations", json::object()));
  d.Field("CreationTimestamp", Str(meta, "creationTimestamp"));
  std::vector<std::string> taints;
  for (const auto& t : spec.value("taints", json::array())) {
    taints.push_back(absl::StrCat(Str(t, "key"), Str(t, "value").empty() ? "" : "=" + Str(t, "value"), ":", Str(t, "effect")));
  }
  d.Field("Taints", absl::StrJoin(taints, "\n                  "));
  d.Field("Unschedulable", spec.value("unschedulable", false) ? "true" : "false");
  DescribeConditions(d, status.value("conditions", json::array()));
  d.Line("Addresses:");
  for (const auto& a : status.value("addresses", json::array())) d.Field(Str(a, "type"), Str(a, "address"), 2);
  for (const char* section : {"capacity", "allocatable"}) {
    d.Line(section[0] == 'c' ? "Capacity:" : "Allocatable:");
    const json amounts = status.value(section, json::object());
    for (const auto& [k, v] : amounts.items()) d.Field(k, CellText(v), 2);
  }
  DescribeReclaimed(d, meta.value("annotations", json::object()));
  if (status.contains("nodeInfo")) {
    d.Line("System Info:");
    for (const auto& [k, v] : status["nodeInfo"].items()) d.Field(k, CellText(v), 2);
  }
  std::string selector = QueryEscape(absl::StrCat("spec.nodeName=", Str(meta, "name"),
                                                  ",status.phase!=Succeeded,status.phase!=Failed"));
  auto pods = client.Call("GET", "/api/v1/pods?fieldSelector=" + selector);
  if (pods.ok()) {
    d.Line(absl::StrCat("Non-terminated Pods:  (", (*pods)["items"].size(), " in total)"));
    d.Line("  Namespace   Name   CPU Requests   Memory Requests   Age");
    for (const auto& p : (*pods)["items"]) {
      std::string cpu;
      std::string mem;
      for (const auto& c : p["spec"].value("containers", json::array())) {
        json req = c.value("resources", json::object()).value("requests", json::object());
        if (req.contains("cpu")) cpu += (cpu.empty() ? "" : "+") + CellText(req["cpu"]);
        if (req.contains("memory")) mem += (mem.empty() ? "" : "+") + CellText(req["memory"]);
      }
      d.Line(absl::StrCat("  ", Str(p["metadata"], "namespace"), "   ", Str(p["metadata"], "name"), "   ",
                          cpu.empty() ? "0" : cpu, "   ", mem.empty() ? "0" : mem, "   ",
                          AgeOf(Str(p["metadata"], "creationTimestamp"))));
    }
  }
  return d.str();
}

std::string DescribeGeneric(const json& object) {
  Describer d;
  const json& meta = object["metadata"];
  d.Field("Name", Str(meta, "name"));
  if (meta.contains("namespace")) d.Field("Namespace", Str(meta, "namespace"));
  d.Map("Labels", meta.value("labels", json::object()));
  d.Map("Annotations", meta.value("annotations", json::object()));
  d.Field("API Version", Str(object, "apiVersion"));
  d.Field("Kind", Str(object, "kind"));
  for (const char* section : {"spec", "status"}) {
    if (!object.contains(section)) continue;
    std::string yaml = api::ToYaml(object[section]);
    std::string indented;
    for (absl::string_view line : absl::StrSplit(yaml, '\n')) {
      if (!line.empty()) absl::StrAppend(&indented, "  ", line, "\n");
    }
    d.Line(std::string(1, static_cast<char>(std::toupper(section[0]))) + (section + 1) + ":");
    d.Line(indented.empty() ? "  <none>" : indented.substr(0, indented.size() - 1));
  }
  return d.str();
}

// The pods that join a PodGroup, through its shape's label or annotation.
std::string DescribeMembers(ApiClient& client, const json& group) {
  const api::KindInfo* kind = api::FindKindByApiVersion(Str(group, "apiVersion"), "PodGroup");
  const api::PodGroupShape* shape = kind != nullptr ? api::FindPodGroupShape(*kind) : nullptr;
  if (shape == nullptr) return "";
  const std::string name = Str(group["metadata"], "name");
  auto pods = client.Call("GET", absl::StrCat("/api/v1/namespaces/", Str(group["metadata"], "namespace"), "/pods"));
  if (!pods.ok()) return "";
  Describer d;
  std::vector<std::string> rows;
  for (const auto& item : (*pods)["items"]) {
    api::Pod pod;
    std::vector<std::string> unknown;
    if (!api::DecodeJson(item, &pod, &unknown).ok() || shape->GroupOf(pod) != name) continue;
    rows.push_back(absl::StrCat("  ", pod.metadata().name(), "   ",
                                pod.spec().node_name().empty() ? "<none>" : pod.spec().node_name(), "   ",
                                pod.status().phase()));
  }
  d.Line(absl::StrCat("Members:  (", rows.size(), " in total)"));
  if (!rows.empty()) d.Line("  Name   Node   Phase");
  for (const std::string& row : rows) d.Line(row);
  return d.str();
}

std::string DescribeEvents(ApiClient& client, const json& object) {
  const json& meta = object["metadata"];
  std::string selector = absl::StrCat("involvedObject.name=", Str(meta, "name"),
                                      ",involvedObject.namespace=", Str(meta, "namespace"),
                                      ",involvedObject.uid=", Str(meta, "uid"));
  std::string ns = Str(meta, "namespace");
  std::string path = ns.empty() ? "/api/v1/events" : absl::StrCat("/api/v1/namespaces/", ns, "/events");
  auto events = client.Call("GET", path + "?fieldSelector=" + QueryEscape(selector));
  if (!events.ok() || (*events)["items"].empty()) return "Events:            <none>\n";
  std::string out = "Events:\n  Type     Reason             Age     From               Message\n"
                    "  ----     ------             ----    ----               -------\n";
  auto pad = [](const std::string& s, size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); };
  for (const auto& e : (*events)["items"]) {
    std::string when = Str(e, "lastTimestamp").empty() ? Str(e, "eventTime") : Str(e, "lastTimestamp");
    std::string from = e.contains("source") ? Str(e["source"], "component") : Str(e, "reportingComponent");
    absl::StrAppend(&out, "  ", pad(Str(e, "type"), 9), pad(Str(e, "reason"), 19), pad(AgeOf(when), 8),
                    pad(from, 19), Str(e, "message"), "\n");
  }
  return out;
}

}  // namespace

void AddDescribe(CLI::App& ctl, CtlOptions& o) {
  CLI::App* describe = ctl.add_subcommand("describe", "Show details of a resource, with its recent events");
  describe->fallthrough();
  describe->add_option("resource", o.args, "TYPE NAME... or TYPE/NAME")->required();
  describe->add_option("-l,--selector", o.label_selector, "Describe every object matching this label selector");
  describe->footer(
      "Examples:\n"
      "  gantry ctl describe pod web\n"
      "  gantry ctl describe node/n1\n"
      "  gantry ctl describe podgroups train\n"
      "  gantry ctl describe pods -l app=web");
}

int RunDescribe(const CtlOptions& o, ApiClient& client) {
  auto ref = ParseResourceArgs(o.args);
  if (!ref.ok()) return Fail(ref.status());
  const api::KindInfo& kind = *ref->kind;
  std::string ns = NamespaceFor(kind, o);
  std::vector<json> objects;
  int exit_code = 0;
  if (ref->names.empty()) {
    std::string query = o.label_selector.empty() ? "" : "?labelSelector=" + QueryEscape(o.label_selector);
    auto list = client.Call("GET", ResourceUrl(kind, ns) + query);
    if (!list.ok()) return Fail(list.status());
    for (auto& item : (*list)["items"]) objects.push_back(item);
  }
  for (const auto& name : ref->names) {
    auto obj = GetFromAny(client, ref->kinds, ns, name, "application/json");
    if (!obj.ok()) {
      exit_code = Fail(obj.status());
      continue;
    }
    objects.push_back(*obj);
  }
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) std::cout << "\n\n";
    const json& obj = objects[i];
    if (kind.kind == "Pod") {
      std::cout << DescribePod(obj);
    } else if (kind.kind == "Node") {
      std::cout << DescribeNode(obj, client);
    } else if (kind.kind == "PodGroup") {
      std::cout << DescribeGeneric(obj) << DescribeMembers(client, obj);
    } else {
      std::cout << DescribeGeneric(obj);
    }
    std::cout << DescribeEvents(client, obj);
  }
  return exit_code;
}

}  // namespace gantry::ctl
