#include "agent/runtime/cgroup_files.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

#include <fstream>

#include "common/files.h"

namespace gantry::agent {

absl::Status WriteCgroupFile(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) return absl::InternalError(absl::StrCat("writing \"", value, "\" to ", path, " failed"));
  return absl::OkStatus();
}

int64_t ReadCgroupInt(const std::string& path) {
  auto text = ReadFile(path);
  int64_t v = 0;
  if (text.ok()) (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &v);
  return v;
}

int64_t ReadCgroupKey(const std::string& path, absl::string_view key) {
  auto text = ReadFile(path);
  if (!text.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (!absl::ConsumePrefix(&line, key) || !absl::ConsumePrefix(&line, " ")) continue;
    int64_t v = 0;
    (void)absl::SimpleAtoi(line, &v);
    return v;
  }
  return 0;
}

std::vector<pid_t> ReadCgroupPids(const std::string& path) {
  std::vector<pid_t> out;
  auto text = ReadFile(path);
  if (!text.ok()) return out;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    int pid = 0;
    if (absl::SimpleAtoi(line, &pid)) out.push_back(pid);
  }
  return out;
}

}  // namespace gantry::agent
