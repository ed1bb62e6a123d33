#include "scheduler/profile_file.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <yaml-cpp/yaml.h>

#include "common/files.h"
#include "scheduler/plugins/registry.h"

namespace gantry::scheduler {
namespace {

absl::Status Invalid(const std::string& source, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
}

std::string Known(const std::vector<absl::string_view>& names) { return absl::StrJoin(names, ", "); }

}  // namespace

absl::StatusOr<Profile> ParseProfile(const std::string& yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Invalid(source, absl::StrCat("not valid YAML: ", e.what()));
  }
  Profile profile = DefaultProfile();
  if (root.IsNull()) return profile;
  if (!root.IsMap()) return Invalid(source, "expected a map with filters, scores, percentageOfNodesToScore");
  try {
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      if (key == "filters") {
        if (!value.IsSequence()) return Invalid(source, "filters must be a list of plugin names");
        profile.filters.clear();
        for (const auto& item : value) {
          std::string name = item.as<std::string>();
          auto plugin = plugins::NewFilterPlugin(name);
          if (!plugin) {
            return Invalid(source, absl::StrCat("filters: unknown plugin \"", name, "\" (known: ",
                                                Known(plugins::FilterPluginNames()), ")"));
          }
          profile.filters.push_back(std::move(plugin));
        }
      } else if (key == "scores") {
        if (!value.IsSequence()) return Invalid(source, "scores must be a list of {name, weight}");
        profile.scores.clear();
        for (const auto& item : value) {
          std::string name = item.IsScalar() ? item.as<std::string>() : item["name"].as<std::string>("");
          int64_t weight = item.IsMap() && item["weight"] ? item["weight"].as<int64_t>() : 1;
          auto plugin = plugins::NewScorePlugin(name);
          if (!plugin) {
            return Invalid(source, absl::StrCat("scores: unknown plugin \"", name, "\" (known: ",
                                                Known(plugins::ScorePluginNames()), ")"));
          }
          if (weight < 1 || weight > 100) {
            return Invalid(source, absl::StrCat("scores: ", name, ": weight ", weight, " is outside 1..100"));
          }
          profile.scores.push_back({std::move(plugin), weight});
        }
      } else if (key == "percentageOfNodesToScore") {
        int percentage = value.as<int>();
        if (percentage < 0 || percentage > 100) {
          return Invalid(source, absl::StrCat("percentageOfNodesToScore: ", percentage, " is outside 0..100"));
        }
        profile.percentage_of_nodes_to_score = percentage;
      } else {
        return Invalid(source, absl::StrCat("unknown key \"", key, "\" (filters, scores, percentageOfNodesToScore)"));
      }
    }
  } catch (const YAML::Exception& e) {
    return Invalid(source, absl::StrCat("bad value: ", e.what()));
  }
  return profile;
}

absl::StatusOr<Profile> LoadProfile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseProfile(*text, path);
}

}  // namespace gantry::scheduler
