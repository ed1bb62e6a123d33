#include "api/container_events.h"

#include <absl/strings/str_cat.h>

namespace gantry::api {
namespace {

const ContainerStatus* Find(const PodStatus& status, const std::string& name) {
  for (const auto& c : status.container_statuses()) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

// The container's last ending: its current state if terminated, else the last one.
const ContainerStateTerminated* LastEnd(const ContainerStatus* c) {
  if (c == nullptr) return nullptr;
  if (c->state().has_terminated()) return &c->state().terminated();
  if (c->last_state().has_terminated()) return &c->last_state().terminated();
  return nullptr;
}

}  // namespace

std::vector<EventSpec> ContainerEvents(const PodStatus& before, const PodStatus& after, const std::string& component) {
  std::vector<EventSpec> out;
  for (const ContainerStatus& now : after.container_statuses()) {
    const ContainerStatus* was = Find(before, now.name());
    const std::string& name = now.name();
    if (now.state().has_running() &&
        (was == nullptr || !was->state().has_running() ||
         was->state().running().started_at() != now.state().running().started_at())) {
      out.push_back({.reason = "Created", .message = absl::StrCat("Created container ", name), .component = component});
      out.push_back({.reason = "Started", .message = absl::StrCat("Started container ", name), .component = component});
    }
    const ContainerStateTerminated* ended = LastEnd(&now);
    const ContainerStateTerminated* ended_before = LastEnd(was);
    bool new_end = ended != nullptr && (ended_before == nullptr || ended_before->finished_at() != ended->finished_at());
    if (new_end && ended->reason() == "OOMKilled") {
      out.push_back({.type = "Warning", .reason = "OOMKilling",
                     .message = absl::StrCat("Memory cgroup out of memory: container ", name, " was killed"),
                     .component = component});
    }
    const std::string& waiting = now.state().waiting().reason();
    bool was_waiting_so = was != nullptr && was->state().waiting().reason() == waiting &&
                          was->restart_count() == now.restart_count();
    if (!now.state().has_waiting() || was_waiting_so) continue;
    if (waiting == "CrashLoopBackOff") {
      out.push_back({.type = "Warning", .reason = "BackOff",
                     .message = absl::StrCat("Back-off restarting failed container ", name),
                     .component = component});
    } else if (waiting != "ContainerCreating" && waiting != "PodInitializing" && !waiting.empty()) {
      // As kubelet: the error itself, e.g. "Error: couldn't find key k in ConfigMap ns/cm".
      const std::string& message = now.state().waiting().message();
      out.push_back({.type = "Warning", .reason = "Failed",
                     .message = absl::StrCat("Error: ", message.empty() ? waiting : message),
                     .component = component});
    }
  }
  return out;
}

}  // namespace gantry::api
