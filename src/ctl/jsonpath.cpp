#include "ctl/jsonpath.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

#include <algorithm>
#include <optional>

namespace gantry::ctl {
namespace {

using nlohmann::json;

constexpr size_t kMaxTemplateSize = 4096;
constexpr int kMaxNesting = 32;

struct Step {
  enum class Type { kField, kWildcard, kRecursive, kIndex, kSlice, kFilter };
  Type type = Type::kField;
  std::string name;  // kField, kRecursive ("*": every value)
  int64_t index = 0;
  std::optional<int64_t> start, end;
  int64_t stride = 1;
  // kFilter: lhs [op rhs]; without op, lhs must select something.
  std::vector<Step> lhs;
  std::string op;
  json rhs_literal;
  std::vector<Step> rhs_path;
  bool rhs_is_path = false;
};

absl::Status ErrorAt(absl::string_view text, size_t pos, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("error: error parsing jsonpath ", text, ": ", what, " at position ", pos));
}

// The index just past the quoted string starting at `pos`, or npos.
size_t SkipQuoted(absl::string_view s, size_t pos) {
  char quote = s[pos];
  for (size_t i = pos + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == quote) {
      return i + 1;
    }
  }
  return absl::string_view::npos;
}

// The first `close` at or after `from` outside quoted strings and
// parentheses (filters); npos when there is none.
size_t FindClosing(absl::string_view s, size_t from, char close) {
  int parens = 0;
  for (size_t j = from; j < s.size(); ++j) {
    if (s[j] == '"' || s[j] == '\'') {
      size_t next = SkipQuoted(s, j);
      if (next == absl::string_view::npos) return next;
      j = next - 1;
    } else if (s[j] == '(') {
      ++parens;
    } else if (s[j] == ')') {
      --parens;
    } else if (s[j] == close && parens == 0) {
      return j;
    }
  }
  return absl::string_view::npos;
}

absl::StatusOr<std::string> Unquote(absl::string_view quoted) {
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c == '\\' && i + 2 < quoted.size()) {
      char e = quoted[++i];
      out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::vector<Step>> ParsePath(absl::string_view s, int depth);

absl::StatusOr<Step> ParseFilter(absl::string_view inner, int depth) {
  Step step;
  step.type = Step::Type::kFilter;
  size_t op_at = absl::string_view::npos;
  size_t op_len = 0;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '"' || inner[i] == '\'') {
      size_t next = SkipQuoted(inner, i);
      if (next == absl::string_view::npos) return ErrorAt(inner, i, "unterminated string");
      i = next - 1;
      continue;
    }
    for (absl::string_view op : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (inner.substr(i, op.size()) == op) {
        op_at = i;
        op_len = op.size();
        step.op = std::string(op);
        break;
      }
    }
    if (op_at != absl::string_view::npos) break;
  }
  absl::string_view lhs = absl::StripAsciiWhitespace(inner.substr(0, op_at));
  auto lhs_steps = ParsePath(lhs, depth + 1);
  if (!lhs_steps.ok()) return lhs_steps.status();
  step.lhs = *std::move(lhs_steps);
  if (op_at == absl::string_view::npos) return step;
  absl::string_view rhs = absl::StripAsciiWhitespace(inner.substr(op_at + op_len));
  if (rhs.empty()) return ErrorAt(inner, op_at, "a value must follow the operator");
  if (rhs[0] == '"' || rhs[0] == '\'') {
    if (SkipQuoted(rhs, 0) != rhs.size()) return ErrorAt(rhs, 0, "unterminated string");
    auto text = Unquote(rhs);
    if (!text.ok()) return text.status();
    step.rhs_literal = *text;
  } else if (rhs[0] == '@' || rhs[0] == '$') {
    auto path = ParsePath(rhs, depth + 1);
    if (!path.ok()) return path.status();
    step.rhs_path = *std::move(path);
    step.rhs_is_path = true;
  } else {
    step.rhs_literal = json::parse(rhs, nullptr, false);
    if (step.rhs_literal.is_discarded() || step.rhs_literal.is_structured()) {
      return ErrorAt(rhs, 0, "expected a number, true, false, a quoted string or a path");
    }
  }
  return step;
}

absl::StatusOr<Step> ParseBracket(absl::string_view content, int depth) {
  Step step;
  if (content == "*") {
    step.type = Step::Type::kWildcard;
    return step;
  }
  if (absl::ConsumePrefix(&content, "?(")) {
    if (!absl::ConsumeSuffix(&content, ")")) return ErrorAt(content, content.size(), "a filter must end with )");
    return ParseFilter(content, depth);
  }
  if (!content.empty() && (content[0] == '\'' || content[0] == '"')) {
    auto name = Unquote(content);
    if (!name.ok()) return name.status();
    step.name = *name;
    return step;
  }
  if (content.find(':') != absl::string_view::npos) {
    step.type = Step::Type::kSlice;
    std::vector<absl::string_view> parts = absl::StrSplit(content, ':');
    if (parts.size() > 3) return ErrorAt(content, 0, "a slice is [start:end:step]");
    std::optional<int64_t>* bounds[] = {&step.start, &step.end};
    for (size_t i = 0; i < parts.size(); ++i) {
      absl::string_view part = absl::StripAsciiWhitespace(parts[i]);
      if (part.empty()) continue;
      int64_t n;
      if (!absl::SimpleAtoi(part, &n)) return ErrorAt(content, 0, "slice bounds must be integers");
      if (i < 2) {
        *bounds[i] = n;
      } else {
        if (n == 0) return ErrorAt(content, 0, "a slice's step must not be 0");
        step.stride = n;
      }
    }
    return step;
  }
  step.type = Step::Type::kIndex;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(content), &step.index)) {
    return ErrorAt(content, 0, "expected an index, a slice, *, a quoted name or a filter");
  }
  return step;
}

// A field name up to the next unescaped '.' or '['.
std::string ReadName(absl::string_view s, size_t& i) {
  std::string name;
  while (i < s.size() && s[i] != '.' && s[i] != '[') {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    name.push_back(s[i++]);
  }
  return name;
}

absl::StatusOr<std::vector<Step>> ParsePath(absl::string_view s, int depth) {
  if (depth > kMaxNesting) return ErrorAt(s, 0, "nested too deeply");
  std::vector<Step> steps;
  size_t i = 0;
  if (!s.empty() && (s[0] == '$' || s[0] == '@')) i = 1;
  while (i < s.size()) {
    if (s[i] == '.') {
      Step step;
      if (i + 1 < s.size() && s[i + 1] == '.') {
        i += 2;
        step.type = Step::Type::kRecursive;
        step.name = ReadName(s, i);
        if (step.name.empty()) step.name.push_back('*');  // every value
      } else {
        ++i;
        step.name = ReadName(s, i);
        if (step.name.empty()) continue;  // "{.}" is the value itself
        if (step.name == "*") step.type = Step::Type::kWildcard;
      }
      steps.push_back(std::move(step));
    } else if (s[i] == '[') {
      size_t close = FindClosing(s, i + 1, ']');
      if (close == absl::string_view::npos) return ErrorAt(s, i, "unclosed [");
      auto step = ParseBracket(s.substr(i + 1, close - i - 1), depth);
      if (!step.ok()) return step.status();
      steps.push_back(*std::move(step));
      i = close + 1;
    } else {
      return ErrorAt(s, i, absl::StrCat("unexpected '", s.substr(i, 1), "' (a path starts with . or [)"));
    }
  }
  return steps;
}

std::vector<const json*> Evaluate(const std::vector<Step>& steps, const json& root);

bool Compare(const json& a, const std::string& op, const json& b) {
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  bool comparable = (a.is_number() && b.is_number()) || (a.is_string() && b.is_string());
  if (!comparable) return false;
  if (op == "<") return a < b;
  if (op == ">") return a > b;
  if (op == "<=") return a <= b;
  return a >= b;
}

bool Matches(const Step& filter, const json& item) {
  std::vector<const json*> left = Evaluate(filter.lhs, item);
  if (filter.op.empty()) return !left.empty();
  if (left.empty()) return false;
  if (!filter.rhs_is_path) return Compare(*left[0], filter.op, filter.rhs_literal);
  std::vector<const json*> right = Evaluate(filter.rhs_path, item);
  return !right.empty() && Compare(*left[0], filter.op, *right[0]);
}

void Apply(const Step& step, const json& node, std::vector<const json*>& out) {
  switch (step.type) {
    case Step::Type::kField:
      if (node.is_object()) {
        if (auto it = node.find(step.name); it != node.end()) out.push_back(&*it);
      }
      return;
    case Step::Type::kWildcard:
      if (node.is_structured()) {
        for (const json& child : node) out.push_back(&child);
      }
      return;
    case Step::Type::kRecursive: {
      std::vector<const json*> stack = {&node};
      while (!stack.empty()) {
        const json* at = stack.back();
        stack.pop_back();
        if (at->is_object() && step.name != "*") {
          if (auto it = at->find(step.name); it != at->end()) out.push_back(&*it);
        }
        if (at->is_structured()) {
          // Reversed so that values come out in document order.
          for (auto it = at->rbegin(); it != at->rend(); ++it) {
            if (step.name == "*") out.push_back(&*it);
            stack.push_back(&*it);
          }
        }
      }
      return;
    }
    case Step::Type::kIndex: {
      if (!node.is_array()) return;
      int64_t size = static_cast<int64_t>(node.size());
      int64_t at = step.index < 0 ? size + step.index : step.index;
      if (at >= 0 && at < size) out.push_back(&node[static_cast<size_t>(at)]);
      return;
    }
    case Step::Type::kSlice: {
      if (!node.is_array()) return;
      int64_t size = static_cast<int64_t>(node.size());
      auto clamp = [&](int64_t v) { return std::clamp(v < 0 ? size + v : v, int64_t{0}, size); };
      if (step.stride > 0) {
        for (int64_t i = clamp(step.start.value_or(0)); i < clamp(step.end.value_or(size)); i += step.stride) {
          out.push_back(&node[static_cast<size_t>(i)]);
        }
      } else {
        int64_t first = step.start ? std::min(clamp(*step.start), size - 1) : size - 1;
        int64_t last = step.end ? clamp(*step.end) : -1;
        for (int64_t i = first; i > last; i += step.stride) out.push_back(&node[static_cast<size_t>(i)]);
      }
      return;
    }
    case Step::Type::kFilter:
      if (node.is_array()) {
        for (const json& item : node) {
          if (Matches(step, item)) out.push_back(&item);
        }
      }
      return;
  }
}

std::vector<const json*> Evaluate(const std::vector<Step>& steps, const json& root) {
  std::vector<const json*> nodes = {&root};
  for (const Step& step : steps) {
    std::vector<const json*> next;
    for (const json* node : nodes) Apply(step, *node, next);
    nodes = std::move(next);
  }
  return nodes;
}

}  // namespace

struct JsonPath::Segment {
  enum class Type { kText, kPath, kRange };
  Type type = Type::kText;
  std::string text;
  std::vector<Step> path;
  std::vector<Segment> body;
};

namespace {

using Segments = std::vector<JsonPath::Segment>;

// Parses from `pos` to the end, or (inside a range) to its {end}.
absl::Status ParseSegments(absl::string_view text, size_t& pos, int depth, bool in_range, Segments& out) {
  if (depth > kMaxNesting) return ErrorAt(text, pos, "ranges nested too deeply");
  while (pos < text.size()) {
    size_t open = text.find('{', pos);
    if (open != pos) {
      JsonPath::Segment literal;
      literal.text = std::string(text.substr(pos, open == absl::string_view::npos ? text.npos : open - pos));
      out.push_back(std::move(literal));
      if (open == absl::string_view::npos) break;
    }
    size_t close = FindClosing(text, open + 1, '}');
    if (close == absl::string_view::npos) return ErrorAt(text, open, "unclosed {");
    absl::string_view expr = absl::StripAsciiWhitespace(text.substr(open + 1, close - open - 1));
    pos = close + 1;
    if (expr == "end") {
      if (!in_range) return ErrorAt(text, open, "{end} without {range}");
      return absl::OkStatus();
    }
    JsonPath::Segment segment;
    if (absl::ConsumePrefix(&expr, "range ")) {
      segment.type = JsonPath::Segment::Type::kRange;
      auto path = ParsePath(absl::StripAsciiWhitespace(expr), 0);
      if (!path.ok()) return path.status();
      segment.path = *std::move(path);
      // Returns only once it has read the range's {end}.
      if (auto s = ParseSegments(text, pos, depth + 1, true, segment.body); !s.ok()) return s;
    } else if (!expr.empty() && (expr[0] == '"' || expr[0] == '\'')) {
      if (SkipQuoted(expr, 0) != expr.size()) return ErrorAt(text, open, "unterminated string");
      auto literal = Unquote(expr);
      if (!literal.ok()) return literal.status();
      segment.text = *literal;
    } else {
      segment.type = JsonPath::Segment::Type::kPath;
      auto path = ParsePath(expr, 0);
      if (!path.ok()) return path.status();
      segment.path = *std::move(path);
    }
    out.push_back(std::move(segment));
  }
  if (in_range) return ErrorAt(text, pos, "{range} without {end}");
  return absl::OkStatus();
}

void ExecuteSegments(const Segments& segments, const json& data, std::string& out) {
  for (const JsonPath::Segment& segment : segments) {
    switch (segment.type) {
      case JsonPath::Segment::Type::kText:
        out += segment.text;
        break;
      case JsonPath::Segment::Type::kPath: {
        std::vector<std::string> texts;
        for (const json* value : Evaluate(segment.path, data)) texts.push_back(JsonPathValueText(*value));
        out += absl::StrJoin(texts, " ");
        break;
      }
      case JsonPath::Segment::Type::kRange:
        for (const json* item : Evaluate(segment.path, data)) ExecuteSegments(segment.body, *item, out);
        break;
    }
  }
}

}  // namespace

absl::StatusOr<JsonPath> JsonPath::Parse(absl::string_view text) {
  if (text.size() > kMaxTemplateSize) {
    return absl::InvalidArgumentError(absl::StrCat("error: a jsonpath template is at most ", kMaxTemplateSize, " bytes"));
  }
  Segments segments;
  size_t pos = 0;
  if (auto s = ParseSegments(text, pos, 0, false, segments); !s.ok()) return s;
  return JsonPath(std::move(segments));
}

JsonPath::JsonPath(std::vector<Segment> segments) : segments_(std::move(segments)) {}
JsonPath::~JsonPath() = default;
JsonPath::JsonPath(JsonPath&&) noexcept = default;
JsonPath& JsonPath::operator=(JsonPath&&) noexcept = default;

std::string JsonPath::Execute(const json& data) const {
  std::string out;
  ExecuteSegments(segments_, data, out);
  return out;
}

std::vector<const json*> JsonPath::Select(const json& data) const {
  for (const Segment& segment : segments_) {
    if (segment.type != Segment::Type::kText) return Evaluate(segment.path, data);
  }
  return {};
}

std::string JsonPathValueText(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace gantry::ctl
