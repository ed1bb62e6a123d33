// Reads the objects behind -f: a file, every .yaml/.yml/.json file of a
// directory (sorted), or "-" for standard input; multi-document YAML and
// List kinds are expanded.
#pragma once

#include <absl/status/statusor.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gantry::ctl {

struct Manifest {
  std::string source;  // file name and document number, for messages
  nlohmann::json object;
};

absl::StatusOr<std::vector<Manifest>> ReadManifests(const std::vector<std::string>& paths);

}  // namespace gantry::ctl
