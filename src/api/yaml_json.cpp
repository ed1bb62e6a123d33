#include "api/yaml_json.h"

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "api/errors.h"
#include "api/yaml_reader.h"

namespace gantry::api {
namespace {

using nlohmann::json;

bool TypesAsString(const std::string& s) {
  auto typed = TypePlainScalar(s);
  return typed.ok() && typed->is_string();
}

// Rejects JSON nested deeper than kMaxNestingDepth before it is parsed.
absl::Status CheckJsonDepth(absl::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNestingDepth) {
        return BadRequestError(absl::StrCat("JSON nested deeper than ", kMaxNestingDepth, " levels"));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return absl::OkStatus();
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
    if (!TypesAsString(s) || s.empty()) {
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
  if (auto s = CheckJsonDepth(text); !s.ok()) return s;
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return BadRequestError(absl::StrCat("malformed JSON: ", e.what()));
  } catch (const json::exception& e) {
    // out_of_range.406: a number beyond double's range.
    return BadRequestError(absl::StrCat("invalid JSON: ", e.what()));
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
    if (auto s = CheckJsonDepth(text); !s.ok()) return s;
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  if (out.empty()) {
    constexpr size_t kHardCap = 256 << 20;
    auto docs = ReadYamlStream(text, std::min(kHardCap, 4 * text.size() + (64 << 10)));
    if (!docs.ok()) return docs.status();
    for (json& doc : *docs) {
      if (!doc.is_null()) out.push_back(std::move(doc));
    }
  }
  std::vector<json> expanded;
  for (json& doc : out) {
    if (doc.is_object() && doc.contains("items") && doc["items"].is_array() &&
        doc.contains("kind") && doc["kind"].is_string() &&
        absl::EndsWith(doc["kind"].get_ref<const std::string&>(), "List")) {
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
