#include "api/yaml_reader.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/strip.h>
#include <yaml.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "api/errors.h"
#include "api/patch.h"
#include "api/utf8.h"
#include "api/yaml_json.h"

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

// kubectl's YAML (YAML 1.1, as Go reads integers): 0644 and 0o644 are octal,
// 0x1F hexadecimal; so a manifest's defaultMode: 0644 means 420.
std::optional<int64_t> BasedInt(absl::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  absl::string_view digits = WithoutSign(s);
  int base = 0;
  if (absl::ConsumePrefix(&digits, "0x") || absl::ConsumePrefix(&digits, "0X")) {
    base = 16;
  } else if (absl::ConsumePrefix(&digits, "0o") || absl::ConsumePrefix(&digits, "0O")) {
    base = 8;
  } else if (digits.size() > 1 && digits[0] == '0') {
    digits.remove_prefix(1);
    base = 8;
  }
  if (base == 0 || digits.empty() || digits.size() > 20) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    int digit = absl::ascii_isdigit(c) ? c - '0' : absl::ascii_isxdigit(c) ? absl::ascii_tolower(c) - 'a' + 10 : base;
    if (digit >= base || value > (uint64_t{1} << 62) / static_cast<uint64_t>(base)) return std::nullopt;
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
  }
  return negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
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

absl::string_view View(const yaml_char_t* s) {
  return s == nullptr ? absl::string_view() : absl::string_view(reinterpret_cast<const char*>(s));
}

struct Frame {
  json value;
  std::string anchor;
  std::string key;
  bool has_key = false;
};

struct Anchored {
  json value;
  JsonExtent extent;
};

class Reader {
 public:
  Reader(absl::string_view text, size_t budget) : budget_(budget) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    yaml_parser_set_encoding(&parser_, YAML_UTF8_ENCODING);
  }
  ~Reader() { yaml_parser_delete(&parser_); }

  absl::StatusOr<std::vector<json>> Run() {
    for (;;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser_, &event)) return ParserError();
      std::unique_ptr<yaml_event_t, void (*)(yaml_event_t*)> owned(&event, yaml_event_delete);
      switch (event.type) {
        case YAML_STREAM_END_EVENT:
          return std::move(docs_);
        case YAML_DOCUMENT_START_EVENT:
          root_ = nullptr;
          anchors_.clear();
          break;
        case YAML_DOCUMENT_END_EVENT:
          docs_.push_back(std::move(root_));
          break;
        case YAML_SCALAR_EVENT:
          if (auto s = Scalar(event); !s.ok()) return s;
          break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          if (stack_.size() >= static_cast<size_t>(kMaxNestingDepth)) {
            return BadRequestError(absl::StrCat("YAML nested deeper than ", kMaxNestingDepth, " levels"));
          }
          if (auto s = Spend(1); !s.ok()) return s;
          bool sequence = event.type == YAML_SEQUENCE_START_EVENT;
          if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key) {
            return BadRequestError("YAML mapping keys must be scalars");
          }
          Frame frame;
          frame.value = sequence ? json::array() : json::object();
          frame.anchor = std::string(
              View(sequence ? event.data.sequence_start.anchor : event.data.mapping_start.anchor));
          stack_.push_back(std::move(frame));
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
          Frame done = std::move(stack_.back());
          stack_.pop_back();
          if (auto s = Attach(std::move(done.value), done.anchor); !s.ok()) return s;
          break;
        }
        case YAML_ALIAS_EVENT:
          if (auto s = Alias(View(event.data.alias.anchor)); !s.ok()) return s;
          break;
        default:
          break;
      }
    }
  }

 private:
  absl::Status ParserError() const {
    return BadRequestError(absl::StrCat("malformed YAML: ", parser_.problem != nullptr ? parser_.problem : "error",
                                        parser_.context != nullptr ? absl::StrCat(" ", parser_.context) : "",
                                        " at line ", parser_.problem_mark.line + 1, ", column ",
                                        parser_.problem_mark.column + 1));
  }

  absl::Status Spend(size_t n) {
    if (n > budget_) return BadRequestError("YAML aliases expand to more than the document may hold");
    budget_ -= n;
    return absl::OkStatus();
  }

  bool AwaitingKey() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key;
  }

  absl::Status Scalar(const yaml_event_t& event) {
    // libyaml has checked the input's UTF-8 and refuses surrogate escapes.
    absl::string_view text(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
    if (auto s = Spend(1 + text.size()); !s.ok()) return s;
    std::string anchor(View(event.data.scalar.anchor));
    if (AwaitingKey()) {
      Frame& top = stack_.back();
      top.key = std::string(text);
      top.has_key = true;
      if (!anchor.empty()) anchors_[anchor] = {top.key, {1, 1}};
      return absl::OkStatus();
    }
    absl::string_view tag = View(event.data.scalar.tag);
    bool typed = tag.empty() ? event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                             : tag != YAML_STR_TAG && absl::StartsWith(tag, "tag:yaml.org,2002:");
    if (!typed) return Attach(json(std::string(text)), anchor);
    auto value = TypePlainScalar(text);
    if (!value.ok()) return value.status();
    return Attach(*std::move(value), anchor);
  }

  absl::Status Alias(absl::string_view name) {
    auto it = anchors_.find(name);
    if (it == anchors_.end()) {
      return BadRequestError(absl::StrCat("YAML alias *", name.substr(0, 64),
                                          " names no complete anchor (unknown, or refers to itself)"));
    }
    const Anchored& anchored = it->second;
    if (stack_.size() + anchored.extent.depth > static_cast<size_t>(kMaxNestingDepth)) {
      return BadRequestError(absl::StrCat("YAML nested deeper than ", kMaxNestingDepth, " levels"));
    }
    if (auto s = Spend(anchored.extent.nodes); !s.ok()) return s;
    if (AwaitingKey()) {
      if (!anchored.value.is_string()) return BadRequestError("YAML mapping keys must be scalars");
      stack_.back().key = anchored.value.get<std::string>();
      stack_.back().has_key = true;
      return absl::OkStatus();
    }
    return Attach(json(anchored.value), "");
  }

  absl::Status Attach(json value, const std::string& anchor) {
    if (!anchor.empty()) {
      JsonExtent extent = MeasureJson(value, budget_ + 1);
      anchors_[anchor] = {value, extent};
    }
    if (stack_.empty()) {
      root_ = std::move(value);
      return absl::OkStatus();
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(value));
    } else {
      top.value[top.key] = std::move(value);
      top.has_key = false;
    }
    return absl::OkStatus();
  }

  yaml_parser_t parser_;
  size_t budget_;
  std::vector<Frame> stack_;
  absl::flat_hash_map<std::string, Anchored> anchors_;
  json root_;
  std::vector<json> docs_;
};

}  // namespace

absl::StatusOr<json> TypePlainScalar(absl::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (auto based = BasedInt(s)) return *based;
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
  return std::string(s);
}

absl::StatusOr<std::vector<json>> ReadYamlStream(absl::string_view text, size_t max_expansion) {
  if (!IsValidUtf8(text)) return BadRequestError("the YAML document is not valid UTF-8");
  return Reader(text, max_expansion).Run();
}

}  // namespace gantry::api
