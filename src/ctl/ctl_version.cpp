#include <iostream>

#include "ctl/ctl_command.h"

namespace gantry::ctl {

void AddVersion(CLI::App& ctl, CtlOptions&) {
  ctl.add_subcommand("version", "Print the client and server versions")->fallthrough();
}

int RunVersion(const CtlOptions&, ApiClient& client) {
  std::cout << "Client Version: v" GANTRY_VERSION "\n";
  auto info = client.Call("GET", "/version");
  if (!info.ok()) return Fail(info.status());
  std::cout << "Server Version: " << info->value("gitVersion", "unknown") << "\n";
  return 0;
}

}  // namespace gantry::ctl
