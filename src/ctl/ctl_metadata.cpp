// label and annotate: change an object's labels or annotations in place, as
// kubectl does: KEY=VALUE sets, KEY- removes, and an existing key keeps its
// value unless --overwrite.
#include <absl/strings/str_cat.h>

#include <iostream>
#include <map>

#include "api/kinds.h"
#include "ctl/ctl_command.h"

namespace gantry::ctl {
namespace {

struct MetadataChanges {
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;
};

// The trailing arguments that are changes; the rest name the objects.
absl::StatusOr<MetadataChanges> SplitChanges(std::vector<std::string>& args) {
  MetadataChanges changes;
  std::vector<std::string> objects;
  for (const std::string& arg : args) {
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      if (eq == 0) return absl::InvalidArgumentError(absl::StrCat("error: invalid argument \"", arg, "\": no key"));
      changes.set[arg.substr(0, eq)] = arg.substr(eq + 1);
    } else if (arg.size() > 1 && arg.back() == '-' && arg.find('/') == std::string::npos) {
      changes.remove.push_back(arg.substr(0, arg.size() - 1));
    } else {
      if (!changes.set.empty() || !changes.remove.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("error: \"", arg, "\" is not KEY=VALUE or KEY-: name the objects before the changes"));
      }
      objects.push_back(arg);
    }
  }
  if (changes.set.empty() && changes.remove.empty()) {
    return absl::InvalidArgumentError("error: at least one change is required (KEY=VALUE to set, KEY- to remove)");
  }
  for (const std::string& key : changes.remove) {
    if (changes.set.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat("error: can not both modify and remove the key \"", key, "\""));
    }
  }
  args = std::move(objects);
  return changes;
}

absl::Status ChangeOne(ApiClient& client, const api::KindInfo& kind, const std::string& ns, const std::string& name,
                       const MetadataChanges& changes, const std::string& field, const CtlOptions& o) {
  const std::string url = ResourceUrl(kind, ns, name);
  auto current = client.Call("GET", url);
  if (!current.ok()) return current.status();
  const nlohmann::json existing = (*current)["metadata"].value(field, nlohmann::json::object());
  nlohmann::json patch = nlohmann::json::object();
  for (const auto& [key, value] : changes.set) {
    auto it = existing.find(key);
    if (it != existing.end() && !o.overwrite && *it != value) {
      return absl::AlreadyExistsError(absl::StrCat("error: '", key, "' already has a value (", it->get<std::string>(),
                                                   "), and --overwrite is false"));
    }
    if (it == existing.end() || *it != value) patch[key] = value;
  }
  for (const std::string& key : changes.remove) {
    if (existing.contains(key)) patch[key] = nullptr;
  }
  const bool labels = field == "labels";
  if (patch.empty()) {
    std::cout << kind.singular << "/" << name << (labels ? " not labeled\n" : " not annotated\n");
    return absl::OkStatus();
  }
  nlohmann::json body = {{"metadata", {{field, patch}}}};
  if (o.dry_run != "client") {
    const std::string query = absl::StrCat("?fieldManager=", labels ? "kubectl-label" : "kubectl-annotate", DryRunQuery(o));
    if (auto patched = client.Call("PATCH", url + query, &body, "application/merge-patch+json"); !patched.ok()) {
      return patched.status();
    }
  }
  bool only_removed = changes.set.empty();
  std::cout << kind.singular << "/" << name << (labels ? (only_removed ? " unlabeled" : " labeled") : " annotated")
            << DryRunSuffix(o) << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddMetadataCommands(CLI::App& ctl, CtlOptions& o) {
  for (const char* verb : {"label", "annotate"}) {
    const bool labels = std::string(verb) == "label";
    CLI::App* cmd = ctl.add_subcommand(verb, labels ? "Set or remove labels of resources"
                                                    : "Set or remove annotations of resources");
    cmd->fallthrough();
    cmd->add_option("args", o.args, "TYPE NAME... KEY=VALUE... KEY-...  (or TYPE/NAME)")->required();
    cmd->add_option("-l,--selector", o.label_selector, "Change every object of TYPE matching this label selector");
    cmd->add_flag("--overwrite", o.overwrite, "Replace the value of a key that is already set");
    AddDryRunOption(cmd, o);
    cmd->footer(labels ? "Examples:\n"
                         "  gantry ctl label pods web tier=frontend\n"
                         "  gantry ctl label pod/web tier=backend --overwrite\n"
                         "  gantry ctl label nodes -l zone=a maintenance=true\n"
                         "  gantry ctl label pods web tier-"
                       : "Examples:\n"
                         "  gantry ctl annotate pods web owner=team-a\n"
                         "  gantry ctl annotate node/n1 note-");
  }
}

int RunMetadataChange(const CtlOptions& given, ApiClient& client, bool labels) {
  CtlOptions o = given;
  auto changes = SplitChanges(o.args);
  if (!changes.ok()) return Fail(changes.status());
  auto selected = SelectObjects(client, o);
  if (!selected.ok()) return Fail(selected.status());
  const std::vector<std::string>& names = selected->names;
  if (!o.label_selector.empty()) {
    if (names.empty()) std::cerr << "No resources found\n";
  } else if (names.empty()) {
    return Fail(absl::InvalidArgumentError("error: resource(s) were provided, but no name was specified (give NAME or -l)"));
  }
  int exit_code = 0;
  for (const std::string& name : names) {
    absl::Status done = ChangeOne(client, *selected->ref.kind, selected->namespace_, name, *changes, labels ? "labels" : "annotations", o);
    if (!done.ok()) exit_code = Fail(done);
  }
  return exit_code;
}

}  // namespace gantry::ctl
