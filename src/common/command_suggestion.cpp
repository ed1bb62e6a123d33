#include "common/command_suggestion.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>

#include <algorithm>
#include <filesystem>
#include <vector>

namespace gantry {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Whether `arg` (an option of `app`, as typed) consumes the next argument.
bool TakesValue(const CLI::App& app, const std::string& arg) {
  if (absl::StrContains(arg, "=")) return false;
  const CLI::Option* option = app.get_option_no_throw(arg);
  return option != nullptr && option->get_type_size() > 0;
}

}  // namespace

std::optional<std::string> UnknownCommandMessage(const CLI::App& root, int argc, const char* const* argv) {
  const CLI::App* at = &root;
  std::string path = std::filesystem::path(root.get_name()).filename().string();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") return std::nullopt;
    if (absl::StartsWith(arg, "-")) {
      if (TakesValue(*at, arg)) ++i;
      continue;
    }
    std::vector<const CLI::App*> subcommands = at->get_subcommands([](const CLI::App*) { return true; });
    if (subcommands.empty()) return std::nullopt;  // a positional argument of a leaf command
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : subcommands) {
      if (sub->check_name(arg)) next = sub;
    }
    if (next != nullptr) {
      at = next;
      path = absl::StrCat(path, " ", next->get_name());
      continue;
    }
    std::string message = absl::StrCat("error: unknown command \"", arg, "\" for \"", path, "\"");
    std::vector<std::string> close;
    for (const CLI::App* sub : subcommands) {
      const std::string& name = sub->get_name();
      if (EditDistance(arg, name) <= 2 || absl::StartsWith(name, arg)) close.push_back(name);
    }
    if (!close.empty()) {
      absl::StrAppend(&message, "\n\nDid you mean this?");
      for (const auto& name : close) absl::StrAppend(&message, "\n\t", name);
    }
    absl::StrAppend(&message, "\n\nRun '", path, " --help' for usage.");
    return message;
  }
  return std::nullopt;
}

}  // namespace gantry
