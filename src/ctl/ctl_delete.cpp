#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include <algorithm>
#include <iostream>

#include "api/kinds.h"
#include "ctl/ctl_command.h"
#include "ctl/manifest_reader.h"

namespace gantry::ctl {
namespace {

struct Victim {
  const api::KindInfo* kind;
  std::string namespace_;
  std::string name;
};

absl::Status DeleteOne(ApiClient& client, const Victim& v, const CtlOptions& o) {
  nlohmann::json options = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  if (o.grace_period) options["gracePeriodSeconds"] = *o.grace_period;
  std::string url = ResourceUrl(*v.kind, v.namespace_, v.name);
  if (o.dry_run == "server") options["dryRun"] = {"All"};
  auto deleted = o.dry_run == "client" ? client.Call("GET", url) : client.Call("DELETE", url, &options);
  if (!deleted.ok()) return deleted.status();
  std::cout << v.kind->singular << " \"" << v.name << "\" deleted" << DryRunSuffix(o) << "\n";
  std::cout.flush();
  if (!o.wait || o.dry_run != "none") return absl::OkStatus();
  // A pod on a node goes away only once its node has stopped it.
  absl::Duration pause = absl::Milliseconds(100);
  while (true) {
    auto still = client.Call("GET", url);
    if (!still.ok()) return still.status().code() == absl::StatusCode::kNotFound ? absl::OkStatus() : still.status();
    if ((*still)["metadata"].value("uid", "") != (*deleted)["metadata"].value("uid", "")) return absl::OkStatus();
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Seconds(1));
  }
}

}  // namespace

void AddDelete(CLI::App& ctl, CtlOptions& o) {
  CLI::App* del = ctl.add_subcommand("delete", "Delete resources by name, by file or by label selector");
  del->fallthrough();
  del->add_option("resource", o.args, "TYPE NAME... or TYPE/NAME");
  del->add_option("-f,--filename", o.files, "Delete the objects in these files");
  del->add_option("-l,--selector", o.label_selector, "Delete every object of TYPE matching this label selector");
  del->add_option("--grace-period", o.grace_period, "Seconds to give pods to stop (0: immediately)");
  del->add_option("--wait", o.wait, "Wait until the objects are gone (true or false)")->capture_default_str();
  AddDryRunOption(del, o);
  del->footer(
      "Examples:\n"
      "  gantry ctl delete pod web\n"
      "  gantry ctl delete -f configs/examples/pod.yaml\n"
      "  gantry ctl delete pods -l app=batch --grace-period=0\n"
      "  gantry ctl delete namespace team-a --wait=false");
}

int RunDelete(const CtlOptions& o, ApiClient& client) {
  std::vector<Victim> victims;
  int exit_code = 0;
  if (!o.files.empty()) {
    auto manifests = ReadManifests(o.files);
    if (!manifests.ok()) return Fail(manifests.status());
    for (const Manifest& m : *manifests) {
      const api::KindInfo* kind = api::FindKindByApiVersion(m.object.value("apiVersion", ""), m.object.value("kind", ""));
      if (kind == nullptr) {
        exit_code = Fail(absl::NotFoundError(absl::StrCat("error: ", m.source, ": unknown kind ", m.object.value("kind", ""))));
        continue;
      }
      victims.push_back({kind, NamespaceFor(*kind, o, &m.object), m.object["metadata"].value("name", "")});
    }
  } else {
    auto selected = SelectObjects(client, o);
    if (!selected.ok()) return Fail(selected.status());
    if (o.label_selector.empty() && selected->names.empty()) {
      return Fail(absl::InvalidArgumentError("error: resource(s) were provided, but no name was specified (give NAME, -l or -f)"));
    }
    if (selected->names.empty()) std::cerr << "No resources found\n";
    for (const auto& name : selected->names) victims.push_back({selected->ref.kind, selected->namespace_, name});
  }
  for (const Victim& v : victims) {
    if (auto s = DeleteOne(client, v, o); !s.ok()) exit_code = Fail(s);
  }
  return exit_code;
}

}  // namespace gantry::ctl
