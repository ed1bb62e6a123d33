#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>

#include <iostream>

#include "ctl/ctl_command.h"
#include "ctl/jsonpath.h"
#include "ctl/object_printer.h"
#include "ctl/table_output.h"

namespace gantry::ctl {
namespace {

std::string Query(const CtlOptions& o, bool watch, const std::string& resource_version) {
  std::vector<std::string> params;
  if (!o.label_selector.empty()) params.push_back("labelSelector=" + QueryEscape(o.label_selector));
  if (!o.field_selector.empty()) params.push_back("fieldSelector=" + QueryEscape(o.field_selector));
  // Tables carry their objects so that rows can be sorted by any field.
  if (!o.sort_by.empty() && !watch) params.push_back("includeObject=Object");
  if (watch) {
    params.push_back("watch=true");
    params.push_back("resourceVersion=" + resource_version);
  }
  std::string q;
  for (size_t i = 0; i < params.size(); ++i) absl::StrAppend(&q, i ? "&" : "?", params[i]);
  return q;
}

// --sort-by: items ordered by the value at PATH (numbers as numbers, absent
// values first), keeping the server's order among equals.
absl::Status SortItems(nlohmann::json& items, const std::string& sort_by,
                       const std::function<const nlohmann::json&(const nlohmann::json&)>& object_of) {
  if (sort_by.empty() || !items.is_array()) return absl::OkStatus();
  auto path = JsonPath::Parse(absl::StartsWith(sort_by, "{") ? sort_by : absl::StrCat("{", sort_by, "}"));
  if (!path.ok()) return path.status();
  auto key = [&](const nlohmann::json& item) -> nlohmann::json {
    auto values = path->Select(object_of(item));
    return values.empty() ? nlohmann::json() : *values[0];
  };
  std::vector<std::pair<nlohmann::json, nlohmann::json>> keyed;
  for (auto& item : items) keyed.emplace_back(key(item), std::move(item));
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    if (a.first.is_null() || b.first.is_null()) return a.first.is_null() && !b.first.is_null();
    if (a.first.is_number() && b.first.is_number()) return a.first.template get<double>() < b.first.template get<double>();
    return JsonPathValueText(a.first) < JsonPathValueText(b.first);
  });
  items = nlohmann::json::array();
  for (auto& [k, item] : keyed) items.push_back(std::move(item));
  return absl::OkStatus();
}

}  // namespace

void AddGet(CLI::App& ctl, CtlOptions& o) {
  CLI::App* get = ctl.add_subcommand("get", "Display one or many resources");
  get->fallthrough();
  get->add_option("resource", o.args, "TYPE [NAME...] or TYPE/NAME (pods, nodes, namespaces, events, "
                                      "priorityclasses, podgroups)")->required();
  get->add_option("-o,--output", o.output,
                  "Output format: wide, yaml, json, name, jsonpath=TEMPLATE or custom-columns=HEADER:PATH,...")
      ->check([](const std::string& v) {
        absl::Status s = CheckOutputFormat(v);
        return s.ok() ? std::string() : std::string(s.message());
      });
  get->add_option("--sort-by", o.sort_by, "Order a list by the value at this JSONPath, e.g. .metadata.name");
  get->add_flag("-A,--all-namespaces", o.all_namespaces, "List across all namespaces");
  get->add_option("-l,--selector", o.label_selector, "Label selector, e.g. app=web,tier!=db");
  get->add_option("--field-selector", o.field_selector, "Field selector, e.g. spec.nodeName=n1");
  get->add_flag("-w,--watch", o.watch, "After listing, watch for changes");
  get->add_flag("--show-managed-fields", o.show_managed_fields, "Keep metadata.managedFields in yaml and json output");
  get->footer(
      "Examples:\n"
      "  gantry ctl get pods -o wide\n"
      "  gantry ctl get pod web -o yaml\n"
      "  gantry ctl get pods -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}'\n"
      "  gantry ctl get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName --sort-by=.spec.nodeName\n"
      "  gantry ctl get nodes -l zone=a -w");
}

int RunGet(const CtlOptions& o, ApiClient& client) {
  auto ref = ParseResourceArgs(o.args);
  if (!ref.ok()) return Fail(ref.status());
  const api::KindInfo& kind = *ref->kind;
  std::string ns = o.all_namespaces ? "" : NamespaceFor(kind, o);
  bool table = o.output.empty() || o.output == "wide";
  int exit_code = 0;

  if (!table) {
    auto printer = ObjectPrinter::ForFormat(o.output, o.show_managed_fields);
    if (!printer.ok()) return Fail(printer.status());
    std::string resource_version;
    nlohmann::json items = nlohmann::json::array();
    if (!ref->names.empty()) {
      for (const auto& name : ref->names) {
        auto obj = GetFromAny(client, ref->kinds, ns, name, "application/json");
        if (!obj.ok()) {
          exit_code = Fail(obj.status());
          continue;
        }
        items.push_back(*std::move(obj));
      }
    } else {
      for (const api::KindInfo* k : ref->kinds) {
        auto list = client.Call("GET", ResourceUrl(*k, ns) + Query(o, false, ""));
        if (!list.ok()) return Fail(list.status());
        if (k == ref->kinds.front()) resource_version = (*list)["metadata"].value("resourceVersion", "");
        for (auto& item : (*list)["items"]) items.push_back(std::move(item));
      }
    }
    auto itself = [](const nlohmann::json& item) -> const nlohmann::json& { return item; };
    if (auto s = SortItems(items, o.sort_by, itself); !s.ok()) return Fail(s);
    if (items.size() == 1 && !ref->names.empty()) {
      printer->Print(kind, items[0], std::cout);
    } else if (!items.empty() || ref->names.empty()) {
      printer->Print(kind, {{"apiVersion", "v1"}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}, {"items", items}},
                     std::cout);
    }
    if (!o.watch) return exit_code;
    auto status = client.Stream(ResourceUrl(kind, ns) + Query(o, true, resource_version), "application/json",
                                [&](const std::string& line) {
                                  auto event = nlohmann::json::parse(line, nullptr, false);
                                  if (event.is_object() && event.value("type", "") != "BOOKMARK") {
                                    printer->Print(kind, event["object"], std::cout);
                                  }
                                  return true;
                                });
    return status.ok() ? exit_code : Fail(status);
  }

  TableStyle style;
  style.wide = o.output == "wide";
  style.with_namespace = o.all_namespaces && kind.namespaced;
  if (kind.kind == "Pod") style.always_columns = {"Node"};
  TableOutput output(style);
  std::string resource_version;
  std::string query = Query(o, false, "");
  if (!ref->names.empty()) {
    for (const auto& name : ref->names) {
      auto t = GetFromAny(client, ref->kinds, ns, name, kTableAccept);
      if (!t.ok()) {
        exit_code = Fail(t.status());
        continue;
      }
      output.Add(*t);
      resource_version = (*t)["metadata"].value("resourceVersion", "");
    }
  } else {
    auto t = client.Call("GET", ResourceUrl(kind, ns) + query, nullptr, "application/json", kTableAccept);
    if (!t.ok()) return Fail(t.status());
    auto row_object = [](const nlohmann::json& row) -> const nlohmann::json& {
      static const nlohmann::json kNoObject;
      auto it = row.find("object");
      return it != row.end() ? *it : kNoObject;
    };
    if (auto s = SortItems((*t)["rows"], o.sort_by, row_object); !s.ok()) return Fail(s);
    output.Add(*t);
    resource_version = (*t)["metadata"].value("resourceVersion", "");
    for (size_t k = 1; k < ref->kinds.size(); ++k) {
      auto more = client.Call("GET", ResourceUrl(*ref->kinds[k], ns) + query, nullptr, "application/json", kTableAccept);
      if (!more.ok()) return Fail(more.status());
      output.Add(*more);
    }
    if (output.empty() && !o.watch) {
      if (kind.namespaced && !o.all_namespaces) {
        std::cerr << "No resources found in " << ns << " namespace.\n";
      } else {
        std::cerr << "No resources found\n";
      }
    }
  }
  output.Flush(std::cout);
  if (!o.watch) return exit_code;
  CtlOptions watch_options = o;
  if (ref->names.size() == 1) {
    watch_options.field_selector = "metadata.name=" + ref->names[0];
  }
  auto status = client.Stream(ResourceUrl(kind, ns) + Query(watch_options, true, resource_version), kTableAccept,
                              [&](const std::string& line) {
                                auto event = nlohmann::json::parse(line, nullptr, false);
                                if (!event.is_object()) return true;
                                std::string type = event.value("type", "");
                                if (type == "ERROR") {
                                  std::cerr << "Error from server: " << event["object"].value("message", "") << "\n";
                                  return false;
                                }
                                if (type == "BOOKMARK") return true;
                                output.Add(event["object"]);
                                output.Flush(std::cout);
                                return true;
                              });
  return status.ok() ? exit_code : Fail(status);
}

}  // namespace gantry::ctl
