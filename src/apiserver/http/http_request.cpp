#include "apiserver/http/http_request.h"

#include <absl/strings/str_split.h>

namespace gantry::apiserver::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `plus_is_space`: form encoding in the query, a literal '+' in the path.
bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

}  // namespace

std::string HttpRequest::Header(absl::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::Param(absl::string_view name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

bool HttpRequest::BoolParam(absl::string_view name, bool fallback) const {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  const std::string& v = it->second;
  if (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False") return false;
  return fallback;
}

bool ParseTarget(absl::string_view target, std::string* path,
                 absl::flat_hash_map<std::string, std::string>* params) {
  size_t q = target.find('?');
  if (!PercentDecode(target.substr(0, q), false, path)) return false;
  if (q == absl::string_view::npos) return true;
  std::string key;
  std::string value;
  for (absl::string_view pair : absl::StrSplit(target.substr(q + 1), '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    if (!PercentDecode(pair.substr(0, eq), true, &key)) return false;
    if (!PercentDecode(eq == absl::string_view::npos ? absl::string_view() : pair.substr(eq + 1), true, &value)) {
      return false;
    }
    params->try_emplace(key, value);
  }
  return true;
}

}  // namespace gantry::apiserver::http
