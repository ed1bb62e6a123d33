// How `ctl get` prints whole objects, as kubectl's -o does: yaml, json, name,
// jsonpath=TEMPLATE and custom-columns=HEADER:PATH,… (server-side tables
// print through TableOutput instead).
#pragma once

#include <absl/status/statusor.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "api/kinds.h"
#include "ctl/jsonpath.h"
#include "ctl/table_output.h"

namespace gantry::ctl {

class ObjectPrinter {
 public:
  // Errors name what in the format is wrong, before anything is fetched.
  static absl::StatusOr<ObjectPrinter> ForFormat(const std::string& output, bool show_managed_fields);

  // One object, or a List of them. Custom columns print their header once.
  void Print(const api::KindInfo& kind, nlohmann::json object, std::ostream& out);

 private:
  enum class Format { kYaml, kJson, kName, kJsonPath, kCustomColumns };
  ObjectPrinter(Format format, bool show_managed_fields) : format_(format), show_managed_fields_(show_managed_fields) {}

  void PrintColumns(const nlohmann::json& object, std::ostream& out);

  Format format_;
  bool show_managed_fields_;
  std::optional<JsonPath> template_;
  std::vector<std::string> headers_;
  std::vector<JsonPath> columns_;
  std::optional<TableOutput> table_;
};

// "-o" values get accepts; the message of an unknown one lists them.
absl::Status CheckOutputFormat(const std::string& output);

}  // namespace gantry::ctl
