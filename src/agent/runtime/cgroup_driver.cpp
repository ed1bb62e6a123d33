#include "agent/runtime/cgroup_driver.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "agent/runtime/cgroup_files.h"
#include "agent/runtime/pod_scope.h"
#include "common/files.h"
#include "common/log_format.h"

namespace gantry::agent {

int64_t CfsQuotaUs(int64_t quota_milli) { return std::max<int64_t>(1000, quota_milli * kCfsPeriodUs / 1000); }

int64_t CpuWeight(int64_t shares) { return 1 + ((std::clamp<int64_t>(shares, 2, 262144) - 2) * 9999) / 262142; }

absl::flat_hash_map<std::string, std::string> OwnCgroups(const std::string& self_cgroup) {
  // "ID:controllers:path" per hierarchy; v2 is "0::path".
  absl::flat_hash_map<std::string, std::string> own;
  if (auto self = ReadFile(self_cgroup); self.ok()) {
    for (absl::string_view line : absl::StrSplit(*self, '\n', absl::SkipEmpty())) {
      std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(':', 2));
      if (parts.size() != 3) continue;
      std::string path = parts[2] == "/" ? "" : parts[2];
      if (parts[0] == "0") own["unified"] = path;
      for (absl::string_view c : absl::StrSplit(parts[1], ',')) own[std::string(c)] = path;
    }
  }
  return own;
}

bool UnifiedHierarchy::Has(const std::string& controller) const {
  return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

std::optional<UnifiedHierarchy> FindUnifiedHierarchy(const std::string& root) {
  for (const std::string& path : {root, root + "/unified"}) {
    auto controllers = ReadFile(path + "/cgroup.controllers");
    if (!controllers.ok()) continue;
    UnifiedHierarchy unified{path, absl::StrSplit(*controllers, absl::ByAnyChar(" \n"), absl::SkipEmpty())};
    if (unified.Has("cpu") && unified.Has("memory")) return unified;
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<CgroupDriver>> DetectCgroupDriver(const std::string& root, const std::string& name,
                                                                 const std::string& self_cgroup,
                                                                 const ScopeStarter& start_scope) {
  // Groups go where the agent itself lives in each hierarchy.
  absl::flat_hash_map<std::string, std::string> own = OwnCgroups(self_cgroup);
  auto below = [&](const char* hierarchy) { return absl::StrCat(own[hierarchy], "/", name); };
  if (std::optional<UnifiedHierarchy> unified = FindUnifiedHierarchy(root)) {
    const std::string& unit = own["unified"];
    if (unit.empty()) return NewCgroupV2(unified->path, absl::StrCat("/", name));
    auto scope = EnsurePodScope(unified->path, unit, start_scope);
    if (scope.ok()) return NewCgroupV2(unified->path, absl::StrCat(*scope, "/", name));
    if (scope.status().code() != absl::StatusCode::kNotFound) {
      spdlog::warn("agent: no pod scope beside {} ({}); pods go below the unit, and systemd cannot restart it "
                   "while they run",
                   unit, scope.status());
    }
    if (absl::Status moved = MoveProcessesToLeaf(unified->path + unit, "init"); !moved.ok()) {
      spdlog::warn("agent: cannot move out of {} into its leaf {}/init ({}); pods' cgroups go to /{} instead",
                   unit, unit, moved, name);
      return NewCgroupV2(unified->path, absl::StrCat("/", name));
    }
    return NewCgroupV2(unified->path, absl::StrCat(unit, "/", name));
  }
  if (!std::filesystem::exists(root + "/memory/cgroup.procs") || !std::filesystem::exists(root + "/cpu/cgroup.procs")) {
    return absl::FailedPreconditionError(absl::StrCat("no usable cgroup hierarchy under ", root,
                                                      ": neither cgroup v2 with cpu and memory nor v1 cpu and memory"));
  }
  return NewCgroupV1(root, {below("cpu"), below("cpuacct"), below("memory"), below("cpuset")});
}

}  // namespace gantry::agent
