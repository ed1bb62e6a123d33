// apply (client-side, like kubectl: the last applied manifest is kept in an
// annotation and the next apply patches the difference) and create.
#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>

#include <iostream>

#include "api/patch.h"
#include "ctl/ctl_command.h"
#include "ctl/manifest_reader.h"

namespace gantry::ctl {
namespace {

constexpr char kLastApplied[] = "kubectl.kubernetes.io/last-applied-configuration";

struct Target {
  const api::KindInfo* kind;
  std::string namespace_;
  std::string name;
};

absl::StatusOr<Target> TargetOf(const Manifest& m, const CtlOptions& o) {
  std::string api_version = m.object.value("apiVersion", "");
  std::string kind_name = m.object.value("kind", "");
  const api::KindInfo* kind = api::FindKindByApiVersion(api_version, kind_name);
  std::string name = m.object.contains("metadata") && m.object["metadata"].is_object()
                         ? m.object["metadata"].value("name", "")
                         : "";
  if (kind == nullptr) {
    return absl::NotFoundError(absl::StrCat("error: resource mapping not found for name: \"", name, "\" from \"",
                                            m.source, "\": no matches for kind \"", kind_name, "\" in version \"",
                                            api_version, "\""));
  }
  Target t{kind, NamespaceFor(*kind, o, &m.object), name};
  return t;
}

std::string Label(const Target& t) {
  return absl::StrCat(absl::AsciiStrToLower(t.kind->kind), t.kind->group.empty() ? "" : absl::StrCat(".", t.kind->group),
                      "/", t.name);
}

int ForEachManifest(const CtlOptions& o, const std::function<absl::Status(const Manifest&, const Target&)>& fn) {
  auto manifests = ReadManifests(o.files);
  if (!manifests.ok()) return Fail(manifests.status());
  if (manifests->empty()) return Fail(absl::InvalidArgumentError("error: no objects passed to apply"));
  int exit_code = 0;
  for (const Manifest& m : *manifests) {
    auto target = TargetOf(m, o);
    absl::Status s = target.ok() ? fn(m, *target) : target.status();
    if (!s.ok()) exit_code = Fail(s);
  }
  return exit_code;
}

// A command that reads objects from -f files and writes them.
CLI::App* AddFileCommand(CLI::App& ctl, CtlOptions& o, const std::string& name, const std::string& description,
                         const std::string& examples) {
  CLI::App* command = ctl.add_subcommand(name, description);
  command->fallthrough();
  command->add_option("-f,--filename", o.files, "File, directory or - for standard input")->required();
  AddDryRunOption(command, o);
  command->footer(absl::StrCat("Examples:\n", examples));
  return command;
}

absl::Status ApplyServerSide(const CtlOptions& o, ApiClient& client, const Manifest& m, const Target& t) {
  std::string manager = o.field_manager.empty() ? "kubectl" : o.field_manager;
  std::string url = absl::StrCat(ResourceUrl(*t.kind, t.namespace_, t.name), "?fieldManager=", QueryEscape(manager),
                                 "&force=", o.force_conflicts ? "true" : "false", DryRunQuery(o));
  auto applied = client.Call("PATCH", url, &m.object, "application/apply-patch+yaml");
  if (!applied.ok()) return applied.status();
  std::cout << Label(t) << " serverside-applied" << DryRunSuffix(o) << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddApply(CLI::App& ctl, CtlOptions& o) {
  CLI::App* apply = AddFileCommand(ctl, o, "apply", "Create or update resources from files (YAML or JSON)",
                                   "  gantry ctl apply -f pod.yaml\n"
                                   "  gantry ctl apply -f manifests/ --dry-run=server\n"
                                   "  gantry ctl apply --server-side --field-manager ci -f deploy.yaml\n"
                                   "  cat pod.yaml | gantry ctl apply -f -");
  apply->add_flag("--server-side", o.server_side,
                  "The server merges the manifest and tracks which manager owns each field");
  apply->add_flag("--force-conflicts", o.force_conflicts,
                  "With --server-side: take over fields another manager owns instead of failing");
  apply->add_option("--field-manager", o.field_manager,
                    "The manager recorded as the fields' owner (default kubectl, or kubectl-client-side-apply)");
}

void AddCreate(CLI::App& ctl, CtlOptions& o) {
  AddFileCommand(ctl, o, "create", "Create resources from files (YAML or JSON)",
                 "  gantry ctl create -f pod.yaml\n"
                 "  gantry ctl create -f pod.yaml --dry-run=server");
}

int RunApply(const CtlOptions& o, ApiClient& client) {
  if (o.force_conflicts && !o.server_side) {
    return Fail(absl::InvalidArgumentError("error: --force-conflicts only works with --server-side"));
  }
  if (o.server_side && o.dry_run == "client") {
    return Fail(absl::InvalidArgumentError("error: --dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)"));
  }
  const std::string manager = QueryEscape(o.field_manager.empty() ? "kubectl-client-side-apply" : o.field_manager);
  return ForEachManifest(o, [&](const Manifest& m, const Target& t) -> absl::Status {
    if (t.name.empty()) return absl::InvalidArgumentError(absl::StrCat("error: ", m.source, ": metadata.name is required"));
    if (o.server_side) return ApplyServerSide(o, client, m, t);
    nlohmann::json modified = m.object;
    if (!modified["metadata"].contains("annotations") || !modified["metadata"]["annotations"].is_object()) {
      modified["metadata"]["annotations"] = nlohmann::json::object();
    }
    nlohmann::json applied = m.object;
    if (applied["metadata"].contains("annotations") && applied["metadata"]["annotations"].is_object()) {
      applied["metadata"]["annotations"].erase(kLastApplied);
      if (applied["metadata"]["annotations"].empty()) applied["metadata"].erase("annotations");
    }
    modified["metadata"]["annotations"][kLastApplied] = applied.dump();
    std::string url = ResourceUrl(*t.kind, t.namespace_, t.name);
    auto current = client.Call("GET", url);
    if (!current.ok()) {
      if (current.status().code() != absl::StatusCode::kNotFound) return current.status();
      if (o.dry_run != "client") {
        auto created = client.Call(
            "POST", absl::StrCat(ResourceUrl(*t.kind, t.namespace_), "?fieldManager=", manager, DryRunQuery(o)), &modified);
        if (!created.ok()) return created.status();
      }
      std::cout << Label(t) << " created" << DryRunSuffix(o) << "\n";
      return absl::OkStatus();
    }
    nlohmann::json original = nlohmann::json::object();
    if (auto ann = (*current)["metadata"].value("annotations", nlohmann::json::object()); ann.contains(kLastApplied)) {
      original = nlohmann::json::parse(ann[kLastApplied].get<std::string>(), nullptr, false);
      if (!original.is_object()) original = nlohmann::json::object();
    }
    nlohmann::json patch = api::ThreeWayPatch(original, modified);
    if (o.dry_run == "client") {
      std::cout << Label(t) << " configured" << DryRunSuffix(o) << "\n";
      return absl::OkStatus();
    }
    auto patched = client.Call("PATCH", absl::StrCat(url, "?fieldManager=", manager, DryRunQuery(o)), &patch,
                               "application/strategic-merge-patch+json");
    if (!patched.ok()) return patched.status();
    // A dry run's answer keeps the resourceVersion: compare what would change.
    nlohmann::json before = *current;
    nlohmann::json after = *patched;
    for (nlohmann::json* object : {&before, &after}) (*object)["metadata"].erase("managedFields");
    bool changed = o.dry_run == "server" ? before != after
                                         : after["metadata"].value("resourceVersion", "") !=
                                               before["metadata"].value("resourceVersion", "");
    std::cout << Label(t) << (changed ? " configured" : " unchanged") << DryRunSuffix(o) << "\n";
    return absl::OkStatus();
  });
}

void AddReplace(CLI::App& ctl, CtlOptions& o) {
  AddFileCommand(ctl, o, "replace", "Replace resources with the ones in files (YAML or JSON)",
                 "  gantry ctl get pod web -o yaml > web.yaml   # edit it, then:\n"
                 "  gantry ctl replace -f web.yaml");
}

int RunReplace(const CtlOptions& o, ApiClient& client) {
  return ForEachManifest(o, [&](const Manifest& m, const Target& t) -> absl::Status {
    if (t.name.empty()) return absl::InvalidArgumentError(absl::StrCat("error: ", m.source, ": metadata.name is required"));
    if (o.dry_run != "client") {
      auto replaced = client.Call(
          "PUT", absl::StrCat(ResourceUrl(*t.kind, t.namespace_, t.name), "?fieldManager=kubectl-replace", DryRunQuery(o)),
          &m.object);
      if (!replaced.ok()) return replaced.status();
    }
    std::cout << Label(t) << " replaced" << DryRunSuffix(o) << "\n";
    return absl::OkStatus();
  });
}

int RunCreate(const CtlOptions& o, ApiClient& client) {
  return ForEachManifest(o, [&](const Manifest& m, const Target& t) -> absl::Status {
    Target named = t;
    if (o.dry_run != "client") {
      auto created = client.Call(
          "POST", absl::StrCat(ResourceUrl(*t.kind, t.namespace_), "?fieldManager=kubectl-create", DryRunQuery(o)),
          &m.object);
      if (!created.ok()) return created.status();
      named.name = (*created)["metadata"].value("name", "");
    }
    std::cout << Label(named) << " created" << DryRunSuffix(o) << "\n";
    return absl::OkStatus();
  });
}

}  // namespace gantry::ctl
