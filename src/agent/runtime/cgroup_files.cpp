#include "agent/runtime/cgroup_files.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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

std::vector<std::string> CgroupTree(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  out.push_back(dir);
  for (size_t i = 0; i < out.size(); ++i) {
    for (const auto& entry : std::filesystem::directory_iterator(out[i], ec)) {
      if (entry.is_directory(ec)) out.push_back(entry.path().string());
    }
  }
  return out;
}

std::vector<pid_t> CgroupTreePids(const std::string& dir) {
  std::vector<pid_t> out;
  for (const std::string& group : CgroupTree(dir)) {
    auto pids = ReadCgroupPids(group + "/cgroup.procs");
    out.insert(out.end(), pids.begin(), pids.end());
  }
  return out;
}

absl::Status RemoveCgroupTree(const std::string& dir) {
  std::vector<std::string> tree = CgroupTree(dir);
  for (auto it = tree.rbegin(); it != tree.rend(); ++it) {
    if (rmdir(it->c_str()) != 0 && errno != ENOENT) {
      return absl::InternalError(absl::StrCat("removing cgroup ", *it, ": ", strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status MoveProcessesToLeaf(const std::string& dir, const std::string& leaf) {
  std::string target = absl::StrCat(dir, "/", leaf);
  std::error_code ec;
  std::filesystem::create_directories(target, ec);
  if (ec) return absl::InternalError(absl::StrCat("creating ", target, ": ", ec.message()));
  for (pid_t pid : ReadCgroupPids(dir + "/cgroup.procs")) {
    absl::Status moved = WriteCgroupFile(target + "/cgroup.procs", std::to_string(pid));
    // A process that ended meanwhile is not an error.
    if (!moved.ok() && std::filesystem::exists(absl::StrCat("/proc/", pid))) return moved;
  }
  return absl::OkStatus();
}

}  // namespace gantry::agent
