// cgroup v2: groups below gantry's group in the unified hierarchy, with the
// cpu and memory controllers (and cpuset where the kernel offers it) enabled
// for children on every level above a group.
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>

#include <filesystem>

#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/cgroup_files.h"
#include "common/files.h"

namespace gantry::agent {
namespace {

class CgroupV2 final : public CgroupDriver {
 public:
  CgroupV2(std::string root, std::string parent) : root_(std::move(root)), parent_(std::move(parent)) {
    auto controllers = ReadFile(root_ + "/cgroup.controllers").value_or("");
    cpuset_ = absl::StrContains(absl::StrCat(" ", controllers, " "), " cpuset ");
  }

  const char* name() const override { return "v2"; }

  absl::Status Ensure(const std::string& group, const CgroupSettings& settings) override {
    std::string dir = Dir(group);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return absl::InternalError(absl::StrCat("creating cgroup ", dir, ": ", ec.message()));
    // Controllers must be enabled on every level above the group.
    const std::string controllers = cpuset_ ? "+cpu +memory +cpuset" : "+cpu +memory";
    std::filesystem::path level = root_;
    for (const auto& part : std::filesystem::path(absl::StrCat(parent_, "/", group)).relative_path()) {
      if (auto s = WriteCgroupFile((level / "cgroup.subtree_control").string(), controllers); !s.ok()) return s;
      level /= part;
    }
    if (auto s = WriteCgroupFile(dir + "/cpu.weight", std::to_string(CpuWeight(settings.cpu_shares))); !s.ok()) {
      return s;
    }
    if (std::filesystem::exists(dir + "/cpu.idle")) {
      if (auto s = WriteCgroupFile(dir + "/cpu.idle", settings.cpu_idle ? "1" : "0"); !s.ok()) return s;
    }
    if (cpuset_ && !settings.cpuset.empty()) {
      if (auto s = WriteCgroupFile(dir + "/cpuset.cpus", settings.cpuset); !s.ok()) return s;
    }
    if (auto s = SetCpuQuota(group, settings.cpu_quota_milli); !s.ok()) return s;
    return SetMemoryLimit(group, settings.memory_limit_bytes);
  }

  absl::Status SetCpuQuota(const std::string& group, std::optional<int64_t> quota_milli) override {
    return WriteCgroupFile(Dir(group) + "/cpu.max", quota_milli
                                                        ? absl::StrCat(CfsQuotaUs(*quota_milli), " ", kCfsPeriodUs)
                                                        : absl::StrCat("max ", kCfsPeriodUs));
  }

  absl::Status SetMemoryLimit(const std::string& group, std::optional<int64_t> limit_bytes) override {
    return WriteCgroupFile(Dir(group) + "/memory.max", limit_bytes ? std::to_string(*limit_bytes) : "max");
  }

  absl::Status SetCpusetTree(const std::string& group, const std::string& cpus) override {
    if (!cpuset_) return absl::OkStatus();
    // v2 takes any cpus and uses their intersection with the parent's:
    // parents first, so no level is ever left with none effective.
    for (const std::string& dir : CgroupTree(Dir(group))) {
      if (auto s = WriteCgroupFile(dir + "/cpuset.cpus", cpus); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::vector<std::string> ProcsFiles(const std::string& group) const override {
    return {Dir(group) + "/cgroup.procs"};
  }

  absl::StatusOr<CgroupUsage> Usage(const std::string& group) const override {
    std::string dir = Dir(group);
    if (!std::filesystem::exists(dir)) return absl::NotFoundError(absl::StrCat("no cgroup ", group));
    CgroupUsage u;
    u.cpu_usage_ns = static_cast<uint64_t>(ReadCgroupKey(dir + "/cpu.stat", "usage_usec")) * 1000;
    u.memory_bytes = ReadCgroupInt(dir + "/memory.current");
    u.oom_kills = ReadCgroupKey(dir + "/memory.events", "oom_kill");
    return u;
  }

  std::vector<pid_t> Processes(const std::string& group) const override { return CgroupTreePids(Dir(group)); }

  absl::Status Remove(const std::string& group) override {
    if (!Processes(group).empty()) {
      return absl::FailedPreconditionError(absl::StrCat("cgroup ", group, " still has processes"));
    }
    return RemoveCgroupTree(Dir(group));
  }

 private:
  std::string Dir(const std::string& group) const { return absl::StrCat(root_, parent_, "/", group); }

  const std::string root_;
  const std::string parent_;
  bool cpuset_ = false;
};

}  // namespace

std::unique_ptr<CgroupDriver> NewCgroupV2(std::string root, std::string parent) {
  return std::make_unique<CgroupV2>(std::move(root), std::move(parent));
}

}  // namespace gantry::agent
