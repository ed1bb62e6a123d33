#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>

#include <iostream>

#include "api/yaml_json.h"
#include "ctl/ctl_command.h"
#include "ctl/table_output.h"

namespace gantry::ctl {
namespace {

std::string Query(const CtlOptions& o, bool watch, const std::string& resource_version) {
  std::vector<std::string> params;
  if (!o.label_selector.empty()) params.push_back("labelSelector=" + QueryEscape(o.label_selector));
  if (!o.field_selector.empty()) params.push_back("fieldSelector=" + QueryEscape(o.field_selector));
  if (watch) {
    params.push_back("watch=true");
    params.push_back("resourceVersion=" + resource_version);
  }
  std::string q;
  for (size_t i = 0; i < params.size(); ++i) absl::StrAppend(&q, i ? "&" : "?", params[i]);
  return q;
}

// As kubectl prints objects: managedFields only when asked for.
void HideManagedFields(nlohmann::json& object) {
  if (object.contains("metadata") && object["metadata"].is_object()) object["metadata"].erase("managedFields");
  if (object.contains("items") && object["items"].is_array()) {
    for (nlohmann::json& item : object["items"]) HideManagedFields(item);
  }
}

void PrintObject(const CtlOptions& o, const api::KindInfo& kind, nlohmann::json object) {
  const std::string& format = o.output;
  if (!o.show_managed_fields) HideManagedFields(object);
  if (format == "json") {
    std::cout << object.dump(4) << "\n";
  } else if (format == "yaml") {
    std::cout << api::ToYaml(object);
  } else {
    // Items of a list over several kinds (podgroups) name their own.
    const api::KindInfo* own = api::FindKindByApiVersion(object.value("apiVersion", ""), object.value("kind", ""));
    const api::KindInfo& k = own != nullptr ? *own : kind;
    std::cout << absl::AsciiStrToLower(k.kind) << (k.group.empty() ? "" : absl::StrCat(".", k.group)) << "/"
              << object["metadata"].value("name", "") << "\n";
  }
}

}  // namespace

void AddGet(CLI::App& ctl, CtlOptions& o) {
  CLI::App* get = ctl.add_subcommand("get", "Display one or many resources");
  get->fallthrough();
  get->add_option("resource", o.args, "TYPE [NAME...] or TYPE/NAME (pods, nodes, namespaces, events, "
                                      "priorityclasses, podgroups)")->required();
  get->add_option("-o,--output", o.output, "Output format: wide, yaml, json or name")
      ->check(CLI::IsMember({"wide", "yaml", "json", "name"}));
  get->add_flag("-A,--all-namespaces", o.all_namespaces, "List across all namespaces");
  get->add_option("-l,--selector", o.label_selector, "Label selector, e.g. app=web,tier!=db");
  get->add_option("--field-selector", o.field_selector, "Field selector, e.g. spec.nodeName=n1");
  get->add_flag("-w,--watch", o.watch, "After listing, watch for changes");
  get->add_flag("--show-managed-fields", o.show_managed_fields, "Keep metadata.managedFields in yaml and json output");
}

int RunGet(const CtlOptions& o, ApiClient& client) {
  auto ref = ParseResourceArgs(o.args);
  if (!ref.ok()) return Fail(ref.status());
  const api::KindInfo& kind = *ref->kind;
  std::string ns = o.all_namespaces ? "" : NamespaceFor(kind, o);
  bool table = o.output.empty() || o.output == "wide";
  int exit_code = 0;

  if (!table) {
    std::string resource_version;
    if (!ref->names.empty()) {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& name : ref->names) {
        auto obj = GetFromAny(client, ref->kinds, ns, name, "application/json");
        if (!obj.ok()) {
          exit_code = Fail(obj.status());
          continue;
        }
        items.push_back(*obj);
      }
      if (items.size() == 1 || o.output == "name") {
        for (const auto& item : items) PrintObject(o, kind, item);
      } else if (!items.empty()) {
        PrintObject(o, kind, {{"apiVersion", "v1"}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}, {"items", items}});
      }
    } else {
      auto list = client.Call("GET", ResourceUrl(kind, ns) + Query(o, false, ""));
      if (!list.ok()) return Fail(list.status());
      resource_version = (*list)["metadata"].value("resourceVersion", "");
      for (size_t k = 1; k < ref->kinds.size(); ++k) {
        auto more = client.Call("GET", ResourceUrl(*ref->kinds[k], ns) + Query(o, false, ""));
        if (!more.ok()) return Fail(more.status());
        for (auto& item : (*more)["items"]) (*list)["items"].push_back(std::move(item));
      }
      if (o.output == "name") {
        for (const auto& item : (*list)["items"]) PrintObject(o, kind, item);
      } else {
        nlohmann::json out = {{"apiVersion", "v1"}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}, {"items", (*list)["items"]}};
        PrintObject(o, kind, out);
      }
    }
    if (!o.watch) return exit_code;
    auto status = client.Stream(ResourceUrl(kind, ns) + Query(o, true, resource_version), "application/json",
                                [&](const std::string& line) {
                                  auto event = nlohmann::json::parse(line, nullptr, false);
                                  if (event.is_object() && event.value("type", "") != "BOOKMARK") {
                                    PrintObject(o, kind, event["object"]);
                                    std::cout.flush();
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
