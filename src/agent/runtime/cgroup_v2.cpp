// cgroup v2: one group per pod below gantry's group in the unified
// hierarchy, with the cpu and memory controllers enabled for children.
#include <absl/strings/str_cat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/cgroup_files.h"

namespace gantry::agent {
namespace {

class CgroupV2 final : public CgroupDriver {
 public:
  CgroupV2(std::string root, std::string parent) : root_(std::move(root)), parent_(std::move(parent)) {}

  const char* name() const override { return "v2"; }

  absl::Status Create(const std::string& pod, const CgroupLimits& limits) override {
    std::string dir = Dir(pod);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return absl::InternalError(absl::StrCat("creating cgroup ", dir, ": ", ec.message()));
    // Controllers must be enabled on every level above the pod's group.
    std::filesystem::path level = root_;
    for (const auto& part : std::filesystem::path(parent_).relative_path()) {
      if (auto s = WriteCgroupFile((level / "cgroup.subtree_control").string(), "+cpu +memory"); !s.ok()) return s;
      level /= part;
    }
    if (auto s = WriteCgroupFile((level / "cgroup.subtree_control").string(), "+cpu +memory"); !s.ok()) return s;
    if (auto s = WriteCgroupFile(dir + "/cpu.weight", std::to_string(CpuWeight(CpuShares(limits.cpu_request_milli))));
        !s.ok()) {
      return s;
    }
    constexpr int64_t kPeriodUs = 100000;
    std::string max = limits.cpu_limit_milli
                          ? absl::StrCat(std::max<int64_t>(1000, *limits.cpu_limit_milli * kPeriodUs / 1000), " ",
                                         kPeriodUs)
                          : absl::StrCat("max ", kPeriodUs);
    if (auto s = WriteCgroupFile(dir + "/cpu.max", max); !s.ok()) return s;
    return WriteCgroupFile(dir + "/memory.max",
                           limits.memory_limit_bytes ? std::to_string(*limits.memory_limit_bytes) : "max");
  }

  std::vector<std::string> ProcsFiles(const std::string& pod) const override { return {Dir(pod) + "/cgroup.procs"}; }

  absl::StatusOr<CgroupUsage> Usage(const std::string& pod) const override {
    std::string dir = Dir(pod);
    if (!std::filesystem::exists(dir)) return absl::NotFoundError(absl::StrCat("no cgroup for ", pod));
    CgroupUsage u;
    u.cpu_usage_ns = static_cast<uint64_t>(ReadCgroupKey(dir + "/cpu.stat", "usage_usec")) * 1000;
    u.memory_bytes = ReadCgroupInt(dir + "/memory.current");
    u.oom_kills = ReadCgroupKey(dir + "/memory.events", "oom_kill");
    return u;
  }

  std::vector<pid_t> Processes(const std::string& pod) const override {
    return ReadCgroupPids(Dir(pod) + "/cgroup.procs");
  }

  absl::Status Remove(const std::string& pod) override {
    if (!Processes(pod).empty()) return absl::FailedPreconditionError(absl::StrCat("cgroup ", pod, " still has processes"));
    std::string dir = Dir(pod);
    if (std::filesystem::exists(dir) && rmdir(dir.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("removing cgroup ", dir, ": ", strerror(errno)));
    }
    return absl::OkStatus();
  }

 private:
  std::string Dir(const std::string& pod) const { return absl::StrCat(root_, parent_, "/", pod); }

  const std::string root_;
  const std::string parent_;
};

}  // namespace

std::unique_ptr<CgroupDriver> NewCgroupV2(std::string root, std::string parent) {
  return std::make_unique<CgroupV2>(std::move(root), std::move(parent));
}

}  // namespace gantry::agent
