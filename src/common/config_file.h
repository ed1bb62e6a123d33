// `--config FILE` for any subcommand: a YAML map whose keys are the long flag
// names (`data-dir: /srv/gantry`). Flags given on the command line win.
#pragma once

#include <CLI/CLI.hpp>

namespace gantry {

class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

// Adds --config to `app`, read with YamlConfig; unknown keys are errors.
void AddConfigOption(CLI::App& app);

}  // namespace gantry
