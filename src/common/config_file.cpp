#include "common/config_file.h"

#include <yaml-cpp/yaml.h>

#include <sstream>

namespace gantry {

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool,
                                  std::string) const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || opt->get_lnames()[0] == "config" || opt->get_lnames()[0] == "help") continue;
    std::string value = opt->count() > 0 ? opt->as<std::string>() : (default_also ? opt->get_default_str() : "");
    if (value.empty()) continue;
    out << YAML::Key << opt->get_lnames()[0] << YAML::Value << value;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  std::stringstream text;
  text << input.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw CLI::ConversionError(std::string("config file is not valid YAML: ") + e.what());
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;
  if (!root.IsMap()) throw CLI::ConversionError("config file must be a YAML map of flag: value");
  for (const auto& kv : root) {
    CLI::ConfigItem item;
    item.name = kv.first.as<std::string>();
    if (kv.second.IsSequence()) {
      for (const auto& v : kv.second) item.inputs.push_back(v.as<std::string>());
    } else if (kv.second.IsScalar()) {
      item.inputs.push_back(kv.second.as<std::string>());
    } else {
      throw CLI::ConversionError("config key " + item.name + " must be a scalar or a list");
    }
    items.push_back(std::move(item));
  }
  return items;
}

void AddConfigOption(CLI::App& app) {
  app.set_config("--config", "", "YAML file whose keys are these flags' long names; flags win over the file");
  app.config_formatter(std::make_shared<YamlConfig>());
  app.allow_config_extras(CLI::config_extras_mode::error);
}

}  // namespace gantry
