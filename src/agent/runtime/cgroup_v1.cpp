// cgroup v1: one group per pod in each of the cpu, cpuacct, memory and
// cpuset hierarchies (cpuset copies its parent's cpus and mems, which v1
// requires before a process may join).
#include <absl/strings/str_cat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/cgroup_files.h"
#include "common/files.h"

namespace gantry::agent {
namespace {

class CgroupV1 final : public CgroupDriver {
 public:
  CgroupV1(std::string root, CgroupV1Parents parents) : root_(std::move(root)), parents_(std::move(parents)) {}

  const char* name() const override { return "v1"; }

  absl::Status Create(const std::string& pod, const CgroupLimits& limits) override {
    for (const std::string& dir : Dirs(pod)) {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) return absl::InternalError(absl::StrCat("creating cgroup ", dir, ": ", ec.message()));
    }
    // cpuset: every level down from the hierarchy root needs cpus and mems.
    std::filesystem::path cpuset = Path("cpuset", parents_.cpuset, pod);
    std::vector<std::filesystem::path> chain;
    for (auto p = cpuset; p.string().size() > (root_ + "/cpuset").size(); p = p.parent_path()) chain.push_back(p);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        if (ReadFile((*it / file).string()).value_or("\n") != "\n") continue;
        auto parent = ReadFile((it->parent_path() / file).string());
        if (parent.ok()) (void)WriteCgroupFile((*it / file).string(), *parent);
      }
    }
    std::string cpu = Path("cpu", parents_.cpu, pod);
    if (auto s = WriteCgroupFile(cpu + "/cpu.shares", std::to_string(CpuShares(limits.cpu_request_milli))); !s.ok()) return s;
    constexpr int64_t kPeriodUs = 100000;
    if (auto s = WriteCgroupFile(cpu + "/cpu.cfs_period_us", std::to_string(kPeriodUs)); !s.ok()) return s;
    int64_t quota = limits.cpu_limit_milli ? std::max<int64_t>(1000, *limits.cpu_limit_milli * kPeriodUs / 1000) : -1;
    if (auto s = WriteCgroupFile(cpu + "/cpu.cfs_quota_us", std::to_string(quota)); !s.ok()) return s;
    std::string memory = Path("memory", parents_.memory, pod);
    return WriteCgroupFile(memory + "/memory.limit_in_bytes",
                 limits.memory_limit_bytes ? std::to_string(*limits.memory_limit_bytes) : "-1");
  }

  std::vector<std::string> ProcsFiles(const std::string& pod) const override {
    std::vector<std::string> out;
    for (const std::string& dir : Dirs(pod)) out.push_back(dir + "/cgroup.procs");
    return out;
  }

  absl::StatusOr<CgroupUsage> Usage(const std::string& pod) const override {
    CgroupUsage u;
    std::string memory = Path("memory", parents_.memory, pod);
    if (!std::filesystem::exists(memory)) return absl::NotFoundError(absl::StrCat("no cgroup for ", pod));
    u.cpu_usage_ns = static_cast<uint64_t>(ReadCgroupInt(Path("cpuacct", parents_.cpuacct, pod) + "/cpuacct.usage"));
    u.memory_bytes = ReadCgroupInt(memory + "/memory.usage_in_bytes");
    u.oom_kills = ReadCgroupKey(memory + "/memory.oom_control", "oom_kill");
    return u;
  }

  std::vector<pid_t> Processes(const std::string& pod) const override {
    return ReadCgroupPids(Path("memory", parents_.memory, pod) + "/cgroup.procs");
  }

  absl::Status Remove(const std::string& pod) override {
    if (!Processes(pod).empty()) return absl::FailedPreconditionError(absl::StrCat("cgroup ", pod, " still has processes"));
    for (const std::string& dir : Dirs(pod)) {
      if (std::filesystem::exists(dir) && rmdir(dir.c_str()) != 0) {
        return absl::InternalError(absl::StrCat("removing cgroup ", dir, ": ", strerror(errno)));
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string Path(const char* hierarchy, const std::string& parent, const std::string& pod) const {
    return absl::StrCat(root_, "/", hierarchy, parent, "/", pod);
  }
  std::vector<std::string> Dirs(const std::string& pod) const {
    return {Path("cpu", parents_.cpu, pod), Path("cpuacct", parents_.cpuacct, pod),
            Path("memory", parents_.memory, pod), Path("cpuset", parents_.cpuset, pod)};
  }

  const std::string root_;
  const CgroupV1Parents parents_;
};

}  // namespace

std::unique_ptr<CgroupDriver> NewCgroupV1(std::string root, CgroupV1Parents parents) {
  return std::make_unique<CgroupV1>(std::move(root), std::move(parents));
}

}  // namespace gantry::agent
