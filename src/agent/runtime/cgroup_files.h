// Reading and writing cgroupfs control files (both versions).
#pragma once

#include <absl/status/status.h>
#include <absl/strings/string_view.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gantry::agent {

absl::Status WriteCgroupFile(const std::string& path, const std::string& value);
// 0 when missing or unreadable.
int64_t ReadCgroupInt(const std::string& path);
// The value of `key` in "key value" lines (memory.oom_control, cpu.stat, memory.events); 0 when absent.
int64_t ReadCgroupKey(const std::string& path, absl::string_view key);
std::vector<pid_t> ReadCgroupPids(const std::string& path);
// `dir` and every group below it, parents before children; empty when `dir` does not exist.
std::vector<std::string> CgroupTree(const std::string& dir);
// The processes of `dir` and every group below it.
std::vector<pid_t> CgroupTreePids(const std::string& dir);
// rmdir of the tree's groups, children first.
absl::Status RemoveCgroupTree(const std::string& dir);
// Moves every process of the group `dir` into its child `leaf` (created if
// need be), leaving `dir` free to enable controllers for its children (v2).
absl::Status MoveProcessesToLeaf(const std::string& dir, const std::string& leaf);

}  // namespace gantry::agent
