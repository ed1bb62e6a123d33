// `--config FILE`: a YAML map whose keys are a command's long flag names
// (`data-dir: /srv/gantry`). Values fill the options the command line did
// not set, so a flag always beats the file.
#pragma once

#include <absl/status/status.h>

#include <CLI/CLI.hpp>
#include <string>

namespace gantry {

// Unknown keys, malformed YAML and values an option rejects are errors that
// name the key and the file. `written_for` is the command whose flags the
// file's keys are (default: `command` itself); keys `command` lacks are then
// accepted and skipped, so `gantry snapshot` reads the server's file for
// the data dir it shares with the server.
absl::Status ApplyConfigFile(CLI::App& command, const std::string& path, const CLI::App* written_for = nullptr);

}  // namespace gantry
