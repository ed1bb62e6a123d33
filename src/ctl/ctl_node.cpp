// Node maintenance: cordon, uncordon, and drain (cordon, then evict every
// pod on the node gracefully and wait for each to go), reporting as kubectl does.
#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include <iostream>
#include <set>

#include "ctl/ctl_command.h"

namespace gantry::ctl {
namespace {

absl::Status SetUnschedulable(ApiClient& client, const std::string& node, bool unschedulable, bool* changed) {
  auto current = client.Call("GET", "/api/v1/nodes/" + node);
  if (!current.ok()) return current.status();
  bool now = current->value("spec", nlohmann::json::object()).value("unschedulable", false);
  *changed = now != unschedulable;
  if (!*changed) return absl::OkStatus();
  nlohmann::json patch = {{"spec", {{"unschedulable", unschedulable ? nlohmann::json(true) : nlohmann::json(nullptr)}}}};
  return client.Call("PATCH", "/api/v1/nodes/" + node, &patch, "application/strategic-merge-patch+json").status();
}

}  // namespace

void AddNodeCommands(CLI::App& ctl, CtlOptions& o) {
  for (const char* verb : {"cordon", "uncordon"}) {
    CLI::App* cmd = ctl.add_subcommand(verb, std::string(verb) == "cordon" ? "Mark a node unschedulable"
                                                                         : "Mark a node schedulable again");
    cmd->fallthrough();
    cmd->add_option("node", o.args, "NODE")->required();
    cmd->footer(absl::StrCat("Examples:\n  gantry ctl ", verb, " n1"));
  }
  CLI::App* drain = ctl.add_subcommand("drain", "Cordon a node and evict its pods gracefully, waiting for each");
  drain->fallthrough();
  drain->add_option("node", o.args, "NODE")->required();
  drain->add_option("--grace-period", o.grace_period, "Seconds each pod gets to stop (default: the pod's own)");
  drain->add_option("--timeout", o.timeout_seconds, "Give up after this many seconds")->capture_default_str();
  drain->footer(
      "Examples:\n"
      "  gantry ctl drain n1\n"
      "  gantry ctl drain n1 --grace-period=30 --timeout=600\n"
      "  gantry ctl uncordon n1   # once the node is back");
}

int RunCordon(const CtlOptions& o, ApiClient& client, bool cordon) {
  const std::string& node = o.args.front();
  bool changed = false;
  if (auto s = SetUnschedulable(client, node, cordon, &changed); !s.ok()) return Fail(s);
  std::cout << "node/" << node << (changed ? "" : " already") << (cordon ? " cordoned\n" : " uncordoned\n");
  return 0;
}

int RunDrain(const CtlOptions& o, ApiClient& client) {
  const std::string& node = o.args.front();
  bool changed = false;
  if (auto s = SetUnschedulable(client, node, true, &changed); !s.ok()) return Fail(s);
  std::cout << "node/" << node << (changed ? " cordoned\n" : " already cordoned\n");
  auto pods = client.Call("GET", "/api/v1/pods?fieldSelector=" + QueryEscape("spec.nodeName=" + node));
  if (!pods.ok()) return Fail(pods.status());
  std::set<std::pair<std::string, std::string>> waiting;
  for (const auto& pod : (*pods)["items"]) {
    std::string ns = pod["metadata"].value("namespace", "");
    std::string name = pod["metadata"].value("name", "");
    const std::string phase = pod.contains("status") ? pod["status"].value("phase", "") : "";
    if (phase == "Succeeded" || phase == "Failed") continue;
    nlohmann::json eviction = {{"apiVersion", "policy/v1"},
                               {"kind", "Eviction"},
                               {"metadata", {{"name", name}, {"namespace", ns}}}};
    if (o.grace_period) eviction["deleteOptions"] = {{"gracePeriodSeconds", *o.grace_period}};
    std::cout << "evicting pod " << ns << "/" << name << "\n";
    std::cout.flush();
    auto evicted = client.Call("POST", absl::StrCat("/api/v1/namespaces/", ns, "/pods/", name, "/eviction"), &eviction);
    if (!evicted.ok() && evicted.status().code() != absl::StatusCode::kNotFound) return Fail(evicted.status());
    waiting.emplace(ns, name);
  }
  absl::Time deadline = absl::Now() + absl::Seconds(o.timeout_seconds);
  while (!waiting.empty()) {
    for (auto it = waiting.begin(); it != waiting.end();) {
      auto still = client.Call("GET", absl::StrCat("/api/v1/namespaces/", it->first, "/pods/", it->second));
      if (!still.ok() && still.status().code() == absl::StatusCode::kNotFound) {
        std::cout << "pod/" << it->second << " evicted\n";
        std::cout.flush();
        it = waiting.erase(it);
      } else {
        ++it;
      }
    }
    if (waiting.empty()) break;
    if (absl::Now() > deadline) {
      return Fail(absl::DeadlineExceededError(absl::StrCat("error: drain did not complete within ", o.timeout_seconds,
                                                           "s: ", waiting.size(), " pod(s) still terminating")));
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  std::cout << "node/" << node << " drained\n";
  return 0;
}

}  // namespace gantry::ctl
