// run: creates one pod from an image and a command line, as kubectl run
// does (labelled run=NAME, one container called NAME).
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <iostream>

#include "api/patch.h"
#include "api/yaml_json.h"
#include "ctl/ctl_command.h"
#include "ctl/object_printer.h"

namespace gantry::ctl {
namespace {

using nlohmann::json;

// "k=v" pairs; `flag` names the flag in the error.
absl::StatusOr<json> KeyValues(const std::vector<std::string>& pairs, const std::string& flag) {
  json out = json::object();
  for (const std::string& pair : pairs) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.first.empty() || pair.find('=') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("error: invalid ", flag, " \"", pair, "\": expected KEY=VALUE"));
    }
    out[kv.first] = kv.second;
  }
  return out;
}

absl::StatusOr<json> PodFor(const CtlOptions& o) {
  const std::string& name = o.run.name;
  const std::vector<std::string>& command_line = o.args;
  std::vector<std::string> label_pairs = absl::StrSplit(o.run.labels, ',', absl::SkipEmpty());
  auto labels = o.run.labels.empty() ? json{{"run", name}} : KeyValues(label_pairs, "--labels");
  if (!labels.ok()) return labels.status();
  auto annotations = KeyValues(o.run.annotations, "--annotations");
  if (!annotations.ok()) return annotations.status();
  auto env = KeyValues(o.run.env, "--env");
  if (!env.ok()) return env.status();

  json container = {{"name", name}, {"image", o.run.image}};
  if (!command_line.empty()) container[o.run.command ? "command" : "args"] = command_line;
  if (!env->empty()) {
    container["env"] = json::array();
    for (const auto& [key, value] : env->items()) container["env"].push_back({{"name", key}, {"value", value}});
  }
  if (!o.run.port.empty()) {
    int port = 0;
    if (!absl::SimpleAtoi(o.run.port, &port) || port < 1 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("error: --port \"", o.run.port, "\" is not a port number"));
    }
    container["ports"] = json::array({{{"containerPort", port}}});
  }
  if (!o.run.image_pull_policy.empty()) container["imagePullPolicy"] = o.run.image_pull_policy;
  json metadata = {{"name", name}, {"namespace", o.namespace_}, {"labels", *labels}};
  if (!annotations->empty()) metadata["annotations"] = *annotations;
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", std::move(metadata)},
              {"spec", {{"containers", json::array({std::move(container)})}, {"restartPolicy", o.run.restart}}}};
  if (!o.run.overrides.empty()) {
    auto overrides = api::ParseDocument(o.run.overrides);
    if (!overrides.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("error: --overrides: ", overrides.status().message()));
    }
    if (auto s = api::ApplyStrategicMergePatch(pod, *overrides); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("error: --overrides: ", s.message()));
    }
  }
  return pod;
}

}  // namespace

void AddRun(CLI::App& ctl, CtlOptions& o) {
  CLI::App* cmd = ctl.add_subcommand("run", "Run an image in a new pod");
  cmd->fallthrough();
  cmd->add_option("name", o.run.name, "The pod's name")->required();
  // At least one word expected, else CLI11 hands what follows "--" back to
  // the parent command; the "--" itself is then an extra, the only one allowed.
  cmd->add_option("args", o.args, "After --: the container's arguments (with --command, its command)")
      ->expected(1, -1);
  cmd->allow_extras();
  cmd->callback([cmd] {
    std::vector<std::string> extras = cmd->remaining();
    std::erase(extras, "--");
    if (!extras.empty()) throw CLI::ExtrasError(cmd->get_name(), extras);
  });
  cmd->add_option("--image", o.run.image, "The container image (gantry runs its command on the node)")->required();
  cmd->add_option("--env", o.run.env, "KEY=VALUE environment variables (repeatable)");
  cmd->add_option("-l,--labels", o.run.labels, "Comma-separated KEY=VALUE labels (default run=NAME)");
  cmd->add_option("--annotations", o.run.annotations, "KEY=VALUE annotations (repeatable)");
  cmd->add_option("--restart", o.run.restart, "The pod's restartPolicy")
      ->check(CLI::IsMember({"Always", "OnFailure", "Never"}))
      ->capture_default_str();
  cmd->add_flag("--command", o.run.command, "The words after -- are the command, not the image's arguments");
  cmd->add_option("--port", o.run.port, "The port the container exposes");
  cmd->add_option("--image-pull-policy", o.run.image_pull_policy, "Always, IfNotPresent or Never")
      ->check(CLI::IsMember({"Always", "IfNotPresent", "Never"}));
  cmd->add_option("--overrides", o.run.overrides, "JSON or YAML merged (strategic merge) into the generated pod");
  cmd->add_option("-o,--output", o.output, "Print the pod: yaml, json or name")
      ->check(CLI::IsMember({"yaml", "json", "name"}));
  AddDryRunOption(cmd, o);
  cmd->footer(
      "Examples:\n"
      "  gantry ctl run hello --image=busybox --restart=Never -- sh -c 'echo hello; sleep 5'\n"
      "  gantry ctl run web --image=nginx --port=80 --env=MODE=prod --labels=app=web,tier=front\n"
      "  gantry ctl run batch --image=busybox --overrides='{\"spec\":{\"priorityClassName\":\"low\"}}' -- sleep 60\n"
      "  gantry ctl run web --image=nginx --dry-run=client -o yaml");
}

int RunRun(const CtlOptions& o, ApiClient& client) {
  auto pod = PodFor(o);
  if (!pod.ok()) return Fail(pod.status());
  const api::KindInfo& kind = *api::FindKindByApiVersion("v1", "Pod");
  json result = *pod;
  if (o.dry_run != "client") {
    const std::string url = absl::StrCat(ResourceUrl(kind, o.namespace_), "?fieldManager=kubectl-run", DryRunQuery(o));
    auto created = client.Call("POST", url, &*pod);
    if (!created.ok()) return Fail(created.status());
    result = *std::move(created);
  }
  if (o.output.empty()) {
    std::cout << "pod/" << o.run.name << " created" << DryRunSuffix(o) << "\n";
    return 0;
  }
  auto printer = ObjectPrinter::ForFormat(o.output, false);
  if (!printer.ok()) return Fail(printer.status());
  printer->Print(kind, std::move(result), std::cout);
  return 0;
}

}  // namespace gantry::ctl
