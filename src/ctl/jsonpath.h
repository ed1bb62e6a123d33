// kubectl's JSONPath templates, as -o jsonpath=…, -o custom-columns=… and
// --sort-by use them: text with {expressions}; an expression is a path
// (.a.b, ['a.b'], [0], [-1], [1:3], [*], ..name, [?(@.x=="y")]), a quoted
// literal ({"\n"}), or {range PATH}…{end}. Missing keys select nothing.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace gantry::ctl {

class JsonPath {
 public:
  // Errors name the position and what was expected. Templates are limited
  // to 4 KiB and 32 nested ranges or filters.
  static absl::StatusOr<JsonPath> Parse(absl::string_view text);
  ~JsonPath();
  JsonPath(JsonPath&&) noexcept;
  JsonPath& operator=(JsonPath&&) noexcept;

  // The template's text over `data`: strings as they are, other values as
  // compact JSON, the values of one expression separated by spaces.
  std::string Execute(const nlohmann::json& data) const;
  // The values the template's first path selects (for a column or a sort key).
  std::vector<const nlohmann::json*> Select(const nlohmann::json& data) const;

  struct Segment;

 private:
  explicit JsonPath(std::vector<Segment> segments);
  std::vector<Segment> segments_;
};

// How a selected value prints: a string without quotes, anything else as JSON.
std::string JsonPathValueText(const nlohmann::json& value);

}  // namespace gantry::ctl
