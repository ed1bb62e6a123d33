// config: reads and changes the kubeconfig file as kubectl config does
// (view, current-context, get-contexts, use-context, set-context). It needs
// no server.
#include <absl/strings/str_cat.h>
#include <sys/stat.h>

#include <iostream>

#include "api/yaml_json.h"
#include "common/files.h"
#include "ctl/ctl_command.h"
#include "ctl/table_output.h"

namespace gantry::ctl {
namespace {

using nlohmann::json;

absl::StatusOr<json> LoadConfig(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return json{{"apiVersion", "v1"}, {"kind", "Config"}, {"clusters", json::array()},
                {"contexts", json::array()}, {"users", json::array()}, {"preferences", json::object()}};
  }
  auto text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat("error: ", path, ": ", text.status().message()));
  auto doc = api::ParseDocument(*text);
  if (!doc.ok()) return absl::InvalidArgumentError(absl::StrCat("error: ", path, ": ", doc.status().message()));
  if (!doc->is_object()) return absl::InvalidArgumentError(absl::StrCat("error: ", path, ": not a kubeconfig"));
  for (const char* list : {"clusters", "contexts", "users"}) {
    if (!doc->contains(list) || (*doc)[list].is_null()) (*doc)[list] = json::array();
    if (!(*doc)[list].is_array()) {
      return absl::InvalidArgumentError(absl::StrCat("error: ", path, ": ", list, " must be a list"));
    }
  }
  return doc;
}

absl::Status SaveConfig(const std::string& path, const json& config) {
  if (auto s = WriteFileAtomic(path, api::ToYaml(config), 0600); !s.ok()) {
    return absl::InternalError(absl::StrCat("error: writing ", path, ": ", s.message()));
  }
  return absl::OkStatus();
}

// The entry of `list` called `name`, or nullptr.
json* Named(json& list, const std::string& name) {
  for (json& item : list) {
    if (item.is_object() && item.value("name", "") == name) return &item;
  }
  return nullptr;
}

std::string CurrentContext(const json& config) {
  return config.contains("current-context") && config["current-context"].is_string()
             ? config["current-context"].get<std::string>()
             : "";
}

// What `config view` hides unless --raw: key material and secrets.
void Redact(json& config) {
  for (json& cluster : config["clusters"]) {
    json& c = cluster["cluster"];
    if (c.is_object() && c.contains("certificate-authority-data")) c["certificate-authority-data"] = "DATA+OMITTED";
  }
  for (json& user : config["users"]) {
    json& u = user["user"];
    if (!u.is_object()) continue;
    for (const char* data : {"client-certificate-data", "client-key-data"}) {
      if (u.contains(data)) u[data] = "DATA+OMITTED";
    }
    for (const char* secret : {"token", "password"}) {
      if (u.contains(secret)) u[secret] = "REDACTED";
    }
  }
}

// Only the current context, its cluster and its user.
absl::Status Minify(json& config) {
  const std::string current = CurrentContext(config);
  const json* context = Named(config["contexts"], current);
  if (context == nullptr) return absl::InvalidArgumentError("error: current-context must exist in order to minify");
  const json& names = context->value("context", json::object());
  auto keep = [&](const char* list, const std::string& name) {
    json kept = json::array();
    if (const json* item = Named(config[list], name); item != nullptr) kept.push_back(*item);
    return kept;
  };
  json clusters = keep("clusters", names.value("cluster", ""));
  json users = keep("users", names.value("user", ""));
  config["contexts"] = keep("contexts", current);
  config["clusters"] = std::move(clusters);
  config["users"] = std::move(users);
  return absl::OkStatus();
}

int View(const CtlOptions& o, json config) {
  if (o.config.minify) {
    if (auto s = Minify(config); !s.ok()) return Fail(s);
  }
  if (!o.config.raw) Redact(config);
  std::cout << (o.output == "json" ? config.dump(4) + "\n" : api::ToYaml(config));
  return 0;
}

int GetContexts(json config) {
  const std::string current = CurrentContext(config);
  json table = ClientTable({"Current", "Name", "Cluster", "AuthInfo", "Namespace"});
  for (const json& item : config["contexts"]) {
    const std::string name = item.value("name", "");
    const json context = item.value("context", json::object());
    AddRow(table, {name == current ? "*" : "", name, context.value("cluster", ""), context.value("user", ""),
                   context.value("namespace", "")});
  }
  TableOutput output(TableStyle{});
  output.Add(table);
  output.Flush(std::cout);
  return 0;
}

int UseContext(const CtlOptions& o, const std::string& path, json config) {
  if (Named(config["contexts"], o.config.context) == nullptr) {
    return Fail(absl::NotFoundError(absl::StrCat("error: no context exists with the name: \"", o.config.context, "\"")));
  }
  config["current-context"] = o.config.context;
  if (auto s = SaveConfig(path, config); !s.ok()) return Fail(s);
  std::cout << "Switched to context \"" << o.config.context << "\".\n";
  return 0;
}

int SetContext(const CtlOptions& o, const std::string& path, json config) {
  std::string name = o.config.context;
  if (o.config.current) {
    if (!name.empty()) return Fail(absl::InvalidArgumentError("error: give a context NAME or --current, not both"));
    name = CurrentContext(config);
    if (name.empty()) return Fail(absl::FailedPreconditionError("error: current-context is not set"));
  } else if (name.empty()) {
    return Fail(absl::InvalidArgumentError("error: set-context needs a context NAME or --current"));
  }
  json* entry = Named(config["contexts"], name);
  const bool created = entry == nullptr;
  if (created) {
    config["contexts"].push_back({{"name", name}, {"context", json::object()}});
    entry = &config["contexts"].back();
  }
  json& context = (*entry)["context"];
  if (!context.is_object()) context = json::object();
  if (o.config.cluster) context["cluster"] = *o.config.cluster;
  if (o.config.user) context["user"] = *o.config.user;
  if (o.config.namespace_) context["namespace"] = *o.config.namespace_;
  if (auto s = SaveConfig(path, config); !s.ok()) return Fail(s);
  std::cout << "Context \"" << name << "\" " << (created ? "created" : "modified") << ".\n";
  return 0;
}

}  // namespace

void AddConfig(CLI::App& ctl, CtlOptions& o) {
  CLI::App* config = ctl.add_subcommand("config", "Read and change the kubeconfig file (no server needed)");
  config->require_subcommand(1);
  config->footer(
      "Examples:\n"
      "  gantry ctl config view\n"
      "  gantry ctl config get-contexts\n"
      "  gantry ctl config set-context --current --namespace=batch\n"
      "  gantry ctl config use-context gantry");
  CLI::App* view = config->add_subcommand("view", "Print the kubeconfig, secrets hidden unless --raw");
  view->add_flag("--raw", o.config.raw, "Show certificates and tokens");
  view->add_flag("--minify", o.config.minify, "Only the current context, its cluster and its user");
  view->add_option("-o,--output", o.output, "yaml or json")->check(CLI::IsMember({"yaml", "json"}));
  config->add_subcommand("current-context", "Print the current context's name");
  config->add_subcommand("get-contexts", "List the contexts, the current one marked *");
  CLI::App* use = config->add_subcommand("use-context", "Make NAME the current context");
  use->add_option("name", o.config.context, "Context name")->required();
  CLI::App* set = config->add_subcommand("set-context", "Create or change a context's cluster, user or namespace");
  set->add_option("name", o.config.context, "Context name");
  set->add_flag("--current", o.config.current, "Change the current context");
  set->add_option("--cluster", o.config.cluster, "Cluster entry the context uses");
  set->add_option("--user", o.config.user, "User entry the context uses");
  set->add_option("--namespace", o.config.namespace_, "Namespace commands act in under this context");
}

int RunConfig(const CLI::App& config_command, const CtlOptions& o) {
  const std::string path = KubeconfigPath(o.connection);
  auto config = LoadConfig(path);
  if (!config.ok()) return Fail(config.status());
  const std::string& verb = config_command.get_subcommands().front()->get_name();
  if (verb == "view") return View(o, *std::move(config));
  if (verb == "get-contexts") return GetContexts(*std::move(config));
  if (verb == "use-context") return UseContext(o, path, *std::move(config));
  if (verb == "set-context") return SetContext(o, path, *std::move(config));
  const std::string current = CurrentContext(*config);
  if (current.empty()) return Fail(absl::FailedPreconditionError("error: current-context is not set"));
  std::cout << current << "\n";
  return 0;
}

}  // namespace gantry::ctl
