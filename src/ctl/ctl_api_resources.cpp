// api-resources: the kinds the server serves, read from its discovery
// documents as kubectl reads them.
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <iostream>

#include "ctl/ctl_command.h"
#include "ctl/table_output.h"

namespace gantry::ctl {

void AddApiResources(CLI::App& ctl, CtlOptions& o) {
  CLI::App* cmd = ctl.add_subcommand("api-resources", "Print the resource types the server serves");
  cmd->fallthrough();
  cmd->add_option("-o,--output", o.output, "name: only the resource names")->check(CLI::IsMember({"name", "wide"}));
  cmd->footer("Examples:\n  gantry ctl api-resources\n  gantry ctl api-resources -o name");
}

int RunApiResources(const CtlOptions& o, ApiClient& client) {
  std::vector<std::string> group_versions = {"v1"};
  auto groups = client.Call("GET", "/apis");
  if (!groups.ok()) return Fail(groups.status());
  for (const auto& group : (*groups)["groups"]) {
    group_versions.push_back(group["preferredVersion"].value("groupVersion", ""));
  }
  nlohmann::json table = ClientTable({"Name", "ShortNames", "APIVersion", "Namespaced", "Kind"});
  for (const std::string& gv : group_versions) {
    auto list = client.Call("GET", gv == "v1" ? "/api/v1" : absl::StrCat("/apis/", gv));
    if (!list.ok()) return Fail(list.status());
    for (const auto& r : (*list)["resources"]) {
      std::string name = r.value("name", "");
      if (name.find('/') != std::string::npos) continue;  // subresources
      std::string group = gv.find('/') == std::string::npos ? "" : gv.substr(0, gv.find('/'));
      if (o.output == "name") {
        std::cout << name << (group.empty() ? "" : absl::StrCat(".", group)) << "\n";
        continue;
      }
      std::vector<std::string> short_names = r.value("shortNames", std::vector<std::string>{});
      AddRow(table, {name, absl::StrJoin(short_names, ","), gv, r.value("namespaced", false) ? "true" : "false",
                     r.value("kind", "")});
    }
  }
  if (o.output == "name") return 0;
  TableOutput output(TableStyle{});
  output.Add(table);
  output.Flush(std::cout);
  return 0;
}

}  // namespace gantry::ctl
