#include "server/server_config_file.h"

#include <absl/strings/str_cat.h>
#include <unistd.h>

#include "common/config_file.h"

namespace gantry::server {

void AddServerConfigOption(CLI::App& command, std::string& path) {
  command.add_option("--config", path,
                     absl::StrCat("The server's config file, for data-dir and the snapshot keys (default: ",
                                  kServerConfigPath, " when readable); flags win"));
}

absl::Status ApplyServerConfig(CLI::App& command, const std::string& path, const CLI::App& server) {
  std::string file = path;
  if (file.empty() && access(kServerConfigPath, R_OK) == 0) file = kServerConfigPath;
  if (file.empty()) return absl::OkStatus();
  return ApplyConfigFile(command, file, &server);
}

}  // namespace gantry::server
