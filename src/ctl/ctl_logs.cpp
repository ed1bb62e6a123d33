// logs: a container's output, relayed by the server from the pod's node.
#include <absl/strings/str_cat.h>
#include <absl/time/time.h>

#include <algorithm>

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
  logs->add_flag("-p,--previous", o.previous, "The container's previous instance (before its last restart)");
  logs->add_option("--since", o.since, "Only lines newer than this duration (5s, 2m, 3h)");
  logs->add_option("--since-time", o.since_time, "Only lines since this RFC 3339 time");
  logs->add_flag("--timestamps", o.timestamps, "Prefix each line with its RFC 3339 time");
  logs->add_option("--limit-bytes", o.limit_bytes, "Stop after this many bytes");
  logs->footer(
      "Examples:\n"
      "  gantry ctl logs hello\n"
      "  gantry ctl logs -f pod/web -c server --since 10m --timestamps\n"
      "  gantry ctl logs worker --previous --tail 20");
}

int RunLogs(const CtlOptions& o, ApiClient& client) {
  std::string pod = o.args.front();
  if (pod.rfind("pod/", 0) == 0) pod = pod.substr(4);
  if (pod.rfind("pods/", 0) == 0) pod = pod.substr(5);
  std::string path = absl::StrCat("/api/v1/namespaces/", o.namespace_, "/pods/", pod, "/log?tailLines=", o.tail);
  if (!o.container.empty()) absl::StrAppend(&path, "&container=", QueryEscape(o.container));
  if (o.follow) absl::StrAppend(&path, "&follow=true");
  if (o.previous) absl::StrAppend(&path, "&previous=true");
  if (o.timestamps) absl::StrAppend(&path, "&timestamps=true");
  if (o.limit_bytes > 0) absl::StrAppend(&path, "&limitBytes=", o.limit_bytes);
  if (!o.since.empty() && !o.since_time.empty()) {
    return Fail(absl::InvalidArgumentError("error: at most one of --since-time or --since may be used"));
  }
  if (!o.since.empty()) {
    absl::Duration since;
    if (!absl::ParseDuration(o.since, &since) || since <= absl::ZeroDuration()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("error: invalid argument \"", o.since,
                                                          "\" for \"--since\" flag: a positive duration like 5s, 2m or 3h")));
    }
    absl::StrAppend(&path, "&sinceSeconds=", std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(since, absl::Seconds(1)))));
  }
  if (!o.since_time.empty()) absl::StrAppend(&path, "&sinceTime=", QueryEscape(o.since_time));
  auto status = client.StreamRaw(path, "text/plain", [](absl::string_view data) {
    std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    return true;
  });
  if (!status.ok()) return Fail(status);
  return 0;
}

}  // namespace gantry::ctl
