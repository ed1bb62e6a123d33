// patch: change fields of one object in place with a strategic merge, JSON
// merge or JSON patch, as kubectl patch does.
#include <absl/strings/str_cat.h>

#include <iostream>

#include "api/yaml_json.h"
#include "ctl/ctl_command.h"

namespace gantry::ctl {

void AddPatch(CLI::App& ctl, CtlOptions& o) {
  CLI::App* cmd = ctl.add_subcommand("patch", "Update fields of a resource with a patch");
  cmd->fallthrough();
  cmd->add_option("args", o.args, "TYPE NAME or TYPE/NAME")->required();
  cmd->add_option("-p,--patch", o.patch, "The patch, JSON or YAML")->required();
  cmd->add_option("--type", o.patch_type, "strategic, merge or json")
      ->check(CLI::IsMember({"strategic", "merge", "json"}))
      ->capture_default_str();
  AddDryRunOption(cmd, o);
  cmd->footer(
      "Examples:\n"
      "  gantry ctl patch node n1 -p '{\"spec\":{\"unschedulable\":true}}'\n"
      "  gantry ctl patch pod web --type merge -p '{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}'\n"
      "  gantry ctl patch pod web --type json -p '[{\"op\":\"remove\",\"path\":\"/metadata/labels/tier\"}]'");
}

int RunPatch(const CtlOptions& o, ApiClient& client) {
  auto target = ParseSingleObject(o, "patch");
  if (!target.ok()) return Fail(target.status());
  auto patch = api::ParseDocument(o.patch);
  if (!patch.ok()) return Fail(absl::InvalidArgumentError(absl::StrCat("error: unable to parse the patch: ", patch.status().message())));
  const std::string content_type = o.patch_type == "json"    ? "application/json-patch+json"
                                   : o.patch_type == "merge" ? "application/merge-patch+json"
                                                             : "application/strategic-merge-patch+json";
  const std::string& url = target->url;
  auto before = client.Call("GET", url);
  if (!before.ok()) return Fail(before.status());
  const std::string& label = target->label;
  if (o.dry_run == "client") {
    std::cout << label << " patched" << DryRunSuffix(o) << "\n";
    return 0;
  }
  auto after = client.Call("PATCH", absl::StrCat(url, "?fieldManager=kubectl-patch", DryRunQuery(o)), &*patch,
                           content_type);
  if (!after.ok()) return Fail(after.status());
  for (nlohmann::json* object : {&*before, &*after}) (*object)["metadata"].erase("managedFields");
  std::cout << label << (*before == *after ? " patched (no change)" : " patched") << DryRunSuffix(o) << "\n";
  return 0;
}

}  // namespace gantry::ctl
