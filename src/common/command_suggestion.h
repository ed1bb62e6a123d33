// What a mistyped subcommand gets, as kubectl and cobra answer it:
//   error: unknown command "gett" for "gantry ctl"
//
//   Did you mean this?
//           get
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace gantry {

// The message for the first argument of argv that names no subcommand of the
// command it follows (when that command has subcommands); nullopt if every
// command in argv is known.
std::optional<std::string> UnknownCommandMessage(const CLI::App& root, int argc, const char* const* argv);

}  // namespace gantry
