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

}  // namespace

void AddApply(CLI::App& ctl, CtlOptions& o) {
  CLI::App* apply = ctl.add_subcommand("apply", "Create or update resources from files (YAML or JSON)");
  apply->fallthrough();
  apply->add_option("-f,--filename", o.files, "File, directory or - for standard input")->required();
}

void AddCreate(CLI::App& ctl, CtlOptions& o) {
  CLI::App* create = ctl.add_subcommand("create", "Create resources from files (YAML or JSON)");
  create->fallthrough();
  create->add_option("-f,--filename", o.files, "File, directory or - for standard input")->required();
}

int RunApply(const CtlOptions& o, ApiClient& client) {
  return ForEachManifest(o, [&](const Manifest& m, const Target& t) -> absl::Status {
    if (t.name.empty()) return absl::InvalidArgumentError(absl::StrCat("error: ", m.source, ": metadata.name is required"));
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
      auto created = client.Call("POST", ResourceUrl(*t.kind, t.namespace_) + "?fieldManager=kubectl-client-side-apply",
                                 &modified);
      if (!created.ok()) return created.status();
      std::cout << Label(t) << " created\n";
      return absl::OkStatus();
    }
    nlohmann::json original = nlohmann::json::object();
    if (auto ann = (*current)["metadata"].value("annotations", nlohmann::json::object()); ann.contains(kLastApplied)) {
      original = nlohmann::json::parse(ann[kLastApplied].get<std::string>(), nullptr, false);
      if (!original.is_object()) original = nlohmann::json::object();
    }
    nlohmann::json patch = api::ThreeWayPatch(original, modified);
    auto patched = client.Call("PATCH", url + "?fieldManager=kubectl-client-side-apply", &patch,
                               "application/strategic-merge-patch+json");
    if (!patched.ok()) return patched.status();
    bool changed = (*patched)["metadata"].value("resourceVersion", "") != (*current)["metadata"].value("resourceVersion", "");
    std::cout << Label(t) << (changed ? " configured\n" : " unchanged\n");
    return absl::OkStatus();
  });
}

int RunCreate(const CtlOptions& o, ApiClient& client) {
  return ForEachManifest(o, [&](const Manifest& m, const Target& t) -> absl::Status {
    auto created = client.Call("POST", ResourceUrl(*t.kind, t.namespace_) + "?fieldManager=kubectl-create", &m.object);
    if (!created.ok()) return created.status();
    Target named = t;
    named.name = (*created)["metadata"].value("name", "");
    std::cout << Label(named) << " created\n";
    return absl::OkStatus();
  });
}

}  // namespace gantry::ctl
