// logs: a container's output, relayed by the server from the pod's node.
#include <absl/strings/str_cat.h>

#include <iostream>

#include "ctl/ctl_command.h"

namespace gantry::ctl {

void AddLogs(CLI::App& ctl, CtlOptions& o) {
  CLI::App* logs = ctl.add_subcommand("logs", "Print a container's output (relayed from its node's agent)");
  logs->fallthrough();
  logs->add_option("pod", o.args, "POD or pod/POD")->required();
  logs->add_option("-c,--container", o.container, "Container (needed when the pod has several)");
  logs->add_flag("-f,--follow", o.follow, "Keep streaming until the container ends");
  logs->add_option("--tail", o.tail, "Lines from the end to show; -1 shows all")->capture_default_str();
}

int RunLogs(const CtlOptions& o, ApiClient& client) {
  std::string pod = o.args.front();
  if (pod.rfind("pod/", 0) == 0) pod = pod.substr(4);
  if (pod.rfind("pods/", 0) == 0) pod = pod.substr(5);
  std::string path = absl::StrCat("/api/v1/namespaces/", o.namespace_, "/pods/", pod, "/log?tailLines=", o.tail);
  if (!o.container.empty()) absl::StrAppend(&path, "&container=", QueryEscape(o.container));
  if (o.follow) absl::StrAppend(&path, "&follow=true");
  auto status = client.StreamRaw(path, "text/plain", [](absl::string_view data) {
    std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    return true;
  });
  if (!status.ok()) return Fail(status);
  return 0;
}

}  // namespace gantry::ctl
