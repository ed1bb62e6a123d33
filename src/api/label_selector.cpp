#include "api/label_selector.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

namespace gantry::api {
namespace {

using Op = LabelRequirement::Op;

absl::Status SelectorError(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("unable to parse requirement \"", text, "\": ", why));
}

// Splits on commas that are not inside parentheses.
std::vector<absl::string_view> SplitTerms(absl::string_view text) {
  std::vector<absl::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      out.push_back(absl::StripAsciiWhitespace(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return out;
}

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// Kubernetes' qualified-name part and label value: at most 63 characters,
// alphanumerics with '-', '_' or '.' inside.
bool ValidName(absl::string_view name, bool allow_empty) {
  if (name.empty()) return allow_empty;
  if (name.size() > 63 || !IsAlnum(name.front()) || !IsAlnum(name.back())) return false;
  for (char c : name) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253.
bool ValidPrefix(absl::string_view prefix) {
  if (prefix.empty() || prefix.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(prefix, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!(absl::ascii_islower(static_cast<unsigned char>(c)) || absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
            c == '-')) {
        return false;
      }
    }
  }
  return true;
}

bool ValidKey(absl::string_view key) {
  size_t slash = key.find('/');
  if (slash == absl::string_view::npos) return ValidName(key, false);
  return ValidPrefix(key.substr(0, slash)) && ValidName(key.substr(slash + 1), false);
}

bool ValidValue(absl::string_view value) { return ValidName(value, true); }

absl::StatusOr<LabelRequirement> ParseTerm(absl::string_view term) {
  LabelRequirement r;
  if (absl::ConsumePrefix(&term, "!")) {
    r.key = std::string(absl::StripAsciiWhitespace(term));
    r.op = Op::kDoesNotExist;
    if (!ValidKey(r.key)) return SelectorError(term, "invalid label key");
    return r;
  }
  // Set-based: key in (a,b) / key notin (a,b)
  for (auto [word, op] : {std::pair{absl::string_view(" notin "), Op::kNotIn},
                          std::pair{absl::string_view(" in "), Op::kIn}}) {
    size_t pos = term.find(word);
    if (pos == absl::string_view::npos) continue;
    r.key = std::string(absl::StripAsciiWhitespace(term.substr(0, pos)));
    absl::string_view rest = absl::StripAsciiWhitespace(term.substr(pos + word.size()));
    if (!absl::ConsumePrefix(&rest, "(") || !absl::ConsumeSuffix(&rest, ")")) {
      return SelectorError(term, "expected a parenthesised value list");
    }
    if (absl::StripAsciiWhitespace(rest).empty()) {
      return SelectorError(term, "for 'in', 'notin' operators, values set can't be empty");
    }
    for (absl::string_view v : absl::StrSplit(rest, ',')) {
      r.values.emplace_back(absl::StripAsciiWhitespace(v));
      if (!ValidValue(r.values.back())) return SelectorError(term, "invalid label value");
    }
    r.op = op;
    if (!ValidKey(r.key)) return SelectorError(term, "invalid label key");
    return r;
  }
  struct Form {
    absl::string_view token;
    Op op;
  };
  for (const Form& f : {Form{"!=", Op::kNotEquals}, Form{"==", Op::kEquals},
                        Form{"=", Op::kEquals}, Form{">", Op::kGt}, Form{"<", Op::kLt}}) {
    size_t pos = term.find(f.token);
    if (pos == absl::string_view::npos) continue;
    r.key = std::string(absl::StripAsciiWhitespace(term.substr(0, pos)));
    r.values.emplace_back(absl::StripAsciiWhitespace(term.substr(pos + f.token.size())));
    r.op = f.op;
    if (!ValidKey(r.key)) return SelectorError(term, "invalid label key");
    if (f.op == Op::kGt || f.op == Op::kLt) {
      int64_t bound;
      if (!absl::SimpleAtoi(r.values[0], &bound)) {
        return SelectorError(term, "for 'Gt', 'Lt' operators, the value must be an integer");
      }
    } else if (!ValidValue(r.values[0])) {
      return SelectorError(term, "invalid label value");
    }
    return r;
  }
  r.key = std::string(term);
  r.op = Op::kExists;
  if (!ValidKey(r.key)) return SelectorError(term, "invalid label key");
  return r;
}

}  // namespace

bool NumericLess(absl::string_view a, absl::string_view b, bool* ok) {
  int64_t x, y;
  *ok = absl::SimpleAtoi(a, &x) && absl::SimpleAtoi(b, &y);
  return *ok && x < y;
}

absl::StatusOr<LabelMatcher> LabelMatcher::Parse(absl::string_view text) {
  LabelMatcher s;
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return s;
  for (absl::string_view term : SplitTerms(text)) {
    if (term.empty()) return SelectorError(text, "empty requirement");
    auto r = ParseTerm(term);
    if (!r.ok()) return r.status();
    s.requirements_.push_back(*std::move(r));
  }
  return s;
}

absl::StatusOr<LabelMatcher> LabelMatcher::FromProto(const api::LabelSelector& selector) {
  LabelMatcher s;
  for (const auto& [k, v] : selector.match_labels()) {
    s.requirements_.push_back({k, Op::kEquals, {v}});
  }
  for (const auto& e : selector.match_expressions()) {
    LabelRequirement r{e.key(), Op::kIn, {e.values().begin(), e.values().end()}};
    if (e.operator_() == "In") {
      r.op = Op::kIn;
    } else if (e.operator_() == "NotIn") {
      r.op = Op::kNotIn;
    } else if (e.operator_() == "Exists") {
      r.op = Op::kExists;
    } else if (e.operator_() == "DoesNotExist") {
      r.op = Op::kDoesNotExist;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", e.operator_(), "\" is not a valid label selector operator"));
    }
    s.requirements_.push_back(std::move(r));
  }
  return s;
}

}  // namespace gantry::api
