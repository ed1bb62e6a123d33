#include "api/yaml_json.h"

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>

#include "api/errors.h"
#include "api/utf8.h"

namespace gantry::api {
namespace {

using nlohmann::json;

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

absl::string_view WithoutSign(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s;
}

// [-+]?(0|[1-9][0-9]*)
bool IsYamlInt(absl::string_view s) {
  s = WithoutSign(s);
  return AllDigits(s) && (s.size() == 1 || s[0] != '0');
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsYamlFloat(absl::string_view s) {
  s = WithoutSign(s);
  size_t e = s.find_first_of("eE");
  absl::string_view mantissa = s.substr(0, e);
  if (e != absl::string_view::npos && !AllDigits(WithoutSign(s.substr(e + 1)))) return false;
  size_t dot = mantissa.find('.');
  if (dot == absl::string_view::npos) return AllDigits(mantissa);
  absl::string_view whole = mantissa.substr(0, dot);
  absl::string_view fraction = mantissa.substr(dot + 1);
  if (whole.empty()) return AllDigits(fraction);
  return AllDigits(whole) && (fraction.empty() || AllDigits(fraction));
}

// A plain (unquoted) scalar typed as Kubernetes' YAML reader types it.
absl::StatusOr<json> PlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (IsYamlInt(s)) {
    int64_t n;
    if (absl::SimpleAtoi(s, &n)) return n;
  }
  if (IsYamlFloat(s)) {
    double d;
    if (!absl::SimpleAtod(s, &d) || !std::isfinite(d)) {
      return BadRequestError(absl::StrCat("number out of range: ", s.substr(0, 64)));
    }
    return d;
  }
  return s;
}

bool TypesAsString(const std::string& s) {
  auto typed = PlainScalar(s);
  return typed.ok() && typed->is_string();
}

// YAML nodes to JSON with the limits in the header. Aliases make the node
// graph a DAG (or a cycle): `budget` counts what the expansion produces.
class YamlConverter {
 public:
  explicit YamlConverter(size_t budget) : budget_(budget) {}

  absl::StatusOr<json> Convert(const YAML::Node& node, int depth) {
    if (depth > kMaxNestingDepth) {
      return BadRequestError(absl::StrCat("YAML nested deeper than ", kMaxNestingDepth, " levels"));
    }
    if (auto s = Spend(1); !s.ok()) return s;
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar: {
        const std::string& text = node.Scalar();
        if (auto s = CheckString(text); !s.ok()) return s;
        // yaml-cpp tags quoted scalars "!" and plain ones "?".
        if (node.Tag() == "?") return PlainScalar(text);
        return text;
      }
      case YAML::NodeType::Sequence: {
        json arr = json::array();
        for (const auto& item : node) {
          auto converted = Convert(item, depth + 1);
          if (!converted.ok()) return converted.status();
          arr.push_back(*std::move(converted));
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        json obj = json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) return BadRequestError("YAML mapping keys must be strings");
          const std::string& key = kv.first.Scalar();
          if (auto s = CheckString(key); !s.ok()) return s;
          auto converted = Convert(kv.second, depth + 1);
          if (!converted.ok()) return converted.status();
          obj[key] = *std::move(converted);
        }
        return obj;
      }
    }
    return nullptr;
  }

 private:
  absl::Status CheckString(const std::string& text) {
    if (!IsValidUtf8(text)) return BadRequestError("YAML string is not valid UTF-8");
    return Spend(text.size());
  }

  absl::Status Spend(size_t n) {
    if (n > budget_) return BadRequestError("YAML aliases expand to more than the document may hold");
    budget_ -= n;
    return absl::OkStatus();
  }

  size_t budget_;
};

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
    if (!IsValidUtf8(text)) return BadRequestError("the YAML document is not valid UTF-8");
    constexpr size_t kHardCap = 256 << 20;
    YamlConverter converter(std::min(kHardCap, 4 * text.size() + (64 << 10)));
    try {
      for (const YAML::Node& doc : YAML::LoadAll(std::string(text))) {
        auto j = converter.Convert(doc, 0);
        if (!j.ok()) return j.status();
        if (!j->is_null()) out.push_back(*std::move(j));
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
