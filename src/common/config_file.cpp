#include "common/config_file.h"

#include <absl/strings/str_cat.h>
#include <yaml-cpp/yaml.h>

namespace gantry {

absl::Status ApplyConfigFile(CLI::App& command, const std::string& path, const CLI::App* written_for) {
  if (written_for == nullptr) written_for = &command;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(absl::StrCat("--config: cannot read ", path));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("--config ", path, ": not valid YAML: ", e.what()));
  }
  if (root.IsNull()) return absl::OkStatus();
  if (!root.IsMap()) return absl::InvalidArgumentError(absl::StrCat("--config ", path, ": expected a map of flag: value"));
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>();
    std::string flag = "--" + key;
    if (key == "config" || key == "help" || written_for->get_option_no_throw(flag) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--config ", path, ": unknown key \"", key,
                                                     "\" (keys are the long flags of `", written_for->get_name(), "`)"));
    }
    CLI::Option* option = command.get_option_no_throw(flag);
    if (option == nullptr) continue;    // the other command's key
    if (option->count() > 0) continue;  // given on the command line
    if (!entry.second.IsScalar()) {
      return absl::InvalidArgumentError(absl::StrCat("--config ", path, ": \"", key, "\" must be a single value"));
    }
    try {
      option->add_result(entry.second.as<std::string>());
      option->run_callback();
    } catch (const CLI::Error& e) {
      return absl::InvalidArgumentError(absl::StrCat("--config ", path, ": \"", key, "\": ", e.what()));
    }
  }
  return absl::OkStatus();
}

}  // namespace gantry
