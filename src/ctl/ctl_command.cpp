#include "ctl/ctl_command.h"

#include "api/gang.h"

#include <absl/strings/str_cat.h>

#include <cstdio>

namespace gantry::ctl {

void AddCtlCommands(CLI::App& ctl, CtlOptions& options) {
  ctl.require_subcommand(1);
  ctl.add_option("--kubeconfig", options.connection.kubeconfig,
                 "kubeconfig file (default: $KUBECONFIG, then /etc/gantry/kubeconfig.yaml)");
  ctl.add_option("--server,-s", options.connection.server, "API server URL, overriding the kubeconfig");
  ctl.add_option("--token", options.connection.token, "bearer token, overriding the kubeconfig");
  ctl.add_flag("--insecure-skip-tls-verify", options.connection.insecure_skip_tls_verify,
               "do not verify the server's certificate");
  ctl.add_option("--namespace,-n", options.namespace_,
                 "namespace to act in (default: the kubeconfig context's, else \"default\")");
  AddGet(ctl, options);
  AddDescribe(ctl, options);
  AddApply(ctl, options);
  AddCreate(ctl, options);
  AddDelete(ctl, options);
  AddLogs(ctl, options);
  AddNodeCommands(ctl, options);
  AddTop(ctl, options);
  AddVersion(ctl, options);
  AddMetadataCommands(ctl, options);
  AddPatch(ctl, options);
  AddReplace(ctl, options);
  AddApiResources(ctl, options);
  AddWait(ctl, options);
  AddRun(ctl, options);
  AddEvents(ctl, options);
  AddExplain(ctl, options);
  AddEdit(ctl, options);
  AddConfig(ctl, options);
  AddCompletion(ctl, options);
}

int RunCtl(const CLI::App& ctl, const CtlOptions& given) {
  const CLI::App* sub = ctl.get_subcommands().front();
  const std::string& name = sub->get_name();
  if (name == "config") return RunConfig(*sub, given);
  if (name == "completion") return RunCompletion(ctl, given);
  auto client = ApiClient::Connect(given.connection);
  if (!client.ok()) return Fail(client.status());
  CtlOptions options = given;
  if (options.namespace_.empty()) {
    options.namespace_ = (*client)->context_namespace().empty() ? "default" : (*client)->context_namespace();
  }
  if (name == "get") return RunGet(options, **client);
  if (name == "describe") return RunDescribe(options, **client);
  if (name == "apply") return RunApply(options, **client);
  if (name == "create") return RunCreate(options, **client);
  if (name == "delete") return RunDelete(options, **client);
  if (name == "logs") return RunLogs(options, **client);
  if (name == "cordon" || name == "uncordon") return RunCordon(options, **client, name == "cordon");
  if (name == "drain") return RunDrain(options, **client);
  if (name == "top") return RunTop(options, **client);
  if (name == "version") return RunVersion(options, **client);
  if (name == "label" || name == "annotate") return RunMetadataChange(options, **client, name == "label");
  if (name == "patch") return RunPatch(options, **client);
  if (name == "replace") return RunReplace(options, **client);
  if (name == "api-resources") return RunApiResources(options, **client);
  if (name == "wait") return RunWait(options, **client);
  if (name == "run") return RunRun(options, **client);
  if (name == "events") return RunEvents(options, **client);
  if (name == "explain") return RunExplain(options, **client);
  if (name == "edit") return RunEdit(options, **client);
  return Fail(absl::InvalidArgumentError(absl::StrCat("error: unknown command ", name)));
}

absl::StatusOr<ResourceRef> ParseResourceArgs(const std::vector<std::string>& args) {
  if (args.empty()) {
    return absl::InvalidArgumentError("error: you must specify the type of resource (e.g. pods, nodes, namespaces)");
  }
  ResourceRef ref;
  std::string type = args[0];
  size_t slash = type.find('/');
  if (slash != std::string::npos) {
    ref.names.push_back(type.substr(slash + 1));
    type = type.substr(0, slash);
  }
  ref.kind = api::FindKindByUserName(type);
  if (ref.kind == nullptr) {
    return absl::NotFoundError(absl::StrCat("error: the server doesn't have a resource type \"", type, "\""));
  }
  ref.kinds.push_back(ref.kind);
  if (type.find('.') == std::string::npos && api::FindPodGroupShape(*ref.kind) != nullptr) {
    ref.kinds.clear();
    for (const api::PodGroupShape* shape : api::PodGroupShapes()) ref.kinds.push_back(&shape->kind());
  }
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].find('/') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (\"", args[i], "\")"));
    }
    ref.names.push_back(args[i]);
  }
  return ref;
}

absl::StatusOr<nlohmann::json> GetFromAny(ApiClient& client, const std::vector<const api::KindInfo*>& kinds,
                                          const std::string& ns, const std::string& name, const std::string& accept) {
  absl::StatusOr<nlohmann::json> found = absl::NotFoundError(name);
  for (const api::KindInfo* kind : kinds) {
    found = client.Call("GET", ResourceUrl(*kind, ns, name), nullptr, "application/json", accept);
    if (found.ok() || found.status().code() != absl::StatusCode::kNotFound) return found;
  }
  return found;
}

std::string NamespaceFor(const api::KindInfo& kind, const CtlOptions& options, const nlohmann::json* object) {
  if (!kind.namespaced) return "";
  if (object != nullptr && object->contains("metadata") && (*object)["metadata"].is_object()) {
    std::string ns = (*object)["metadata"].value("namespace", "");
    if (!ns.empty()) return ns;
  }
  return options.namespace_;
}

absl::StatusOr<SingleObject> ParseSingleObject(const CtlOptions& options, const std::string& verb) {
  auto ref = ParseResourceArgs(options.args);
  if (!ref.ok()) return ref.status();
  if (ref->names.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("error: ", verb, " takes exactly one object: TYPE NAME or TYPE/NAME"));
  }
  return SingleObject{ref->kind, ResourceUrl(*ref->kind, NamespaceFor(*ref->kind, options), ref->names[0]),
                      absl::StrCat(ref->kind->singular, "/", ref->names[0])};
}

absl::StatusOr<Selection> SelectObjects(ApiClient& client, const CtlOptions& options) {
  auto ref = ParseResourceArgs(options.args);
  if (!ref.ok()) return ref.status();
  Selection selection{*ref, NamespaceFor(*ref->kind, options), ref->names};
  if (options.label_selector.empty()) return selection;
  auto list = client.Call("GET", ResourceUrl(*ref->kind, selection.namespace_) + "?labelSelector=" +
                                     QueryEscape(options.label_selector));
  if (!list.ok()) return list.status();
  for (const auto& item : (*list)["items"]) selection.names.push_back(item["metadata"].value("name", ""));
  return selection;
}

void AddDryRunOption(CLI::App* command, CtlOptions& o) {
  command
      ->add_option("--dry-run", o.dry_run,
                   "server: the server checks and answers but stores nothing; client: nothing is sent")
      ->check(CLI::IsMember({"none", "server", "client"}))
      ->capture_default_str();
}

std::string DryRunQuery(const CtlOptions& o) { return o.dry_run == "server" ? "&dryRun=All" : ""; }

std::string DryRunSuffix(const CtlOptions& o) {
  if (o.dry_run == "server") return " (server dry run)";
  if (o.dry_run == "client") return " (dry run)";
  return "";
}

int Fail(const absl::Status& status) {
  std::string text(status.message());
  fprintf(stderr, "%s\n", text.c_str());
  return 1;
}

}  // namespace gantry::ctl
