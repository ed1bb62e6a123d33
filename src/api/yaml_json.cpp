#include "api/yaml_json.h"

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <yaml-cpp/yaml.h>

#include <regex>

#include "api/errors.h"

namespace gantry::api {
namespace {

using nlohmann::json;

json PlainScalar(const std::string& s) {
  static const std::regex kInt(R"(^[-+]?(0|[1-9][0-9]*)$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kInt)) {
    int64_t n;
    if (absl::SimpleAtoi(s, &n)) return n;
  }
  if (std::regex_match(s, kFloat)) {
    double d;
    if (absl::SimpleAtod(s, &d)) return d;
  }
  return s;
}

json FromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags quoted scalars "!" and plain ones "?".
      if (node.Tag() == "?") return PlainScalar(node.Scalar());
      return node.Scalar();
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : node) arr.push_back(FromYaml(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = FromYaml(kv.second);
      return obj;
    }
  }
  return nullptr;
}

void EmitYaml(YAML::Emitter& out, const json& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [k, item] : v.items()) {
      out << YAML::Key << k << YAML::Value;
      EmitYaml(out, item);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : v) EmitYaml(out, item);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    // Quote strings a YAML reader would otherwise type as numbers, bools or null.
    if (!PlainScalar(s).is_string() || s.empty()) {
      out << YAML::DoubleQuoted << s;
    } else {
      out << s;
    }
  } else if (v.is_null()) {
    out << YAML::Null;
  } else {
    out << v.dump();
  }
}

}  // namespace

absl::StatusOr<json> ParseDocument(absl::string_view text) {
  auto docs = ParseDocuments(text);
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1) {
    return BadRequestError(absl::StrCat("expected one document, found ", docs->size()));
  }
  return std::move((*docs)[0]);
}

absl::StatusOr<json> ParseJson(absl::string_view text) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return BadRequestError(absl::StrCat("malformed JSON: ", e.what()));
  }
}

absl::StatusOr<std::vector<json>> ParseDocuments(absl::string_view text) {
  std::vector<json> out;
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(text);
  // An object must be JSON; a leading '[' may also be a YAML flow sequence.
  if (!trimmed.empty() && trimmed[0] == '{') {
    auto j = ParseJson(text);
    if (!j.ok()) return j.status();
    out.push_back(*std::move(j));
  } else if (!trimmed.empty() && trimmed[0] == '[') {
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  if (out.empty()) {
    try {
      for (const YAML::Node& doc : YAML::LoadAll(std::string(text))) {
        json j = FromYaml(doc);
        if (!j.is_null()) out.push_back(std::move(j));
      }
    } catch (const YAML::Exception& e) {
      return BadRequestError(absl::StrCat("malformed YAML: ", e.what()));
    }
  }
  std::vector<json> expanded;
  for (json& doc : out) {
    if (doc.is_object() && doc.contains("items") && doc["items"].is_array() &&
        absl::EndsWith(doc.value("kind", ""), "List")) {
      for (json& item : doc["items"]) expanded.push_back(std::move(item));
    } else {
      expanded.push_back(std::move(doc));
    }
  }
  return expanded;
}

std::string ToYaml(const json& value) {
  YAML::Emitter out;
  EmitYaml(out, value);
  return absl::StrCat(out.c_str(), "\n");
}

}  // namespace gantry::api
