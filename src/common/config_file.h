// `--config FILE`: a YAML map whose keys are a command's long flag names
// (`data-dir: /srv/gantry`). Values fill the options the command line did
// not set, so a flag always beats the file.
#pragma once

#include <absl/status/status.h>

#include <CLI/CLI.hpp>
#include <string>

namespace gantry {

// Unknown keys, malformed YAML and values an option rejects are errors that
// name the key and the file.
absl::Status ApplyConfigFile(CLI::App& command, const std::string& path);

}  // namespace gantry
