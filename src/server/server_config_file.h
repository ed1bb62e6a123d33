// The commands that work on a server's files on its machine (gantry
// snapshot, gantry certificate) read the server's config file, as k3s's
// etcd-snapshot reads k3s's: its data-dir (and snapshot-dir,
// snapshot-retention) apply unless the command line gives them.
#pragma once

#include <absl/status/status.h>

#include <CLI/CLI.hpp>
#include <string>

namespace gantry::server {

// Where install.sh puts the server's config and its unit reads it.
inline constexpr char kServerConfigPath[] = "/etc/gantry/server.yaml";

void AddServerConfigOption(CLI::App& command, std::string& path);

// Fills `command`'s unset flags from `path`, or from kServerConfigPath when
// `path` is empty and that file is readable; the file's keys are checked
// against `server`'s flags, as the server itself would.
absl::Status ApplyServerConfig(CLI::App& command, const std::string& path, const CLI::App& server);

}  // namespace gantry::server
