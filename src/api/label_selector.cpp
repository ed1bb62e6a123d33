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

bool ValidKey(absl::string_view key) {
  return !key.empty() &&
         key.find_first_of(" \t=!()<>,") == absl::string_view::npos;
}

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
    for (absl::string_view v : absl::StrSplit(rest, ',')) {
      r.values.emplace_back(absl::StripAsciiWhitespace(v));
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
    if (r.values[0].find_first_of(" =!(),") != std::string::npos) {
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
