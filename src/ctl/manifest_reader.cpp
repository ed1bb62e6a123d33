#include "ctl/manifest_reader.h"

#include <absl/strings/str_cat.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "api/yaml_json.h"
#include "common/files.h"

namespace gantry::ctl {

absl::StatusOr<std::vector<Manifest>> ReadManifests(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (p != "-" && std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::directory_iterator(p)) {
        std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
          found.push_back(entry.path().string());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  std::vector<Manifest> out;
  for (const std::string& file : files) {
    std::string text;
    if (file == "-") {
      std::stringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      auto read = ReadFile(file);
      if (!read.ok()) return absl::NotFoundError(absl::StrCat("error: the path \"", file, "\" does not exist"));
      text = *std::move(read);
    }
    auto docs = api::ParseDocuments(text);
    if (!docs.ok()) return absl::InvalidArgumentError(absl::StrCat("error: ", file, ": ", docs.status().message()));
    for (size_t i = 0; i < docs->size(); ++i) {
      nlohmann::json& doc = (*docs)[i];
      std::string source = docs->size() > 1 ? absl::StrCat(file, " (document ", i + 1, ")") : file;
      if (!doc.is_object() || !doc.contains("kind") || !doc.contains("apiVersion")) {
        return absl::InvalidArgumentError(
            absl::StrCat("error: ", source, ": an object needs apiVersion and kind"));
      }
      out.push_back({std::move(source), std::move(doc)});
    }
  }
  return out;
}

}  // namespace gantry::ctl
