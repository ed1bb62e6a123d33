// cgroup v1: each group exists in each of the cpu, cpuacct, memory and cpuset
// hierarchies (cpuset copies its parent's cpus and mems where it has none,
// which v1 requires before a process may join).
#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>

#include <filesystem>

#include "agent/qos/cpu_pools.h"
#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/cgroup_files.h"
#include "common/files.h"

namespace gantry::agent {
namespace {

class CgroupV1 final : public CgroupDriver {
 public:
  CgroupV1(std::string root, CgroupV1Parents parents) : root_(std::move(root)), parents_(std::move(parents)) {}

  const char* name() const override { return "v1"; }

  absl::Status Ensure(const std::string& group, const CgroupSettings& settings) override {
    for (const std::string& dir : Dirs(group)) {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) return absl::InternalError(absl::StrCat("creating cgroup ", dir, ": ", ec.message()));
    }
    // cpuset: every level down from the hierarchy root needs cpus and mems.
    std::filesystem::path cpuset = Path("cpuset", parents_.cpuset, group);
    std::vector<std::filesystem::path> chain;
    for (auto p = cpuset; p.string().size() > (root_ + "/cpuset").size(); p = p.parent_path()) chain.push_back(p);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        if (ReadFile((*it / file).string()).value_or("\n") != "\n") continue;
        auto parent = ReadFile((it->parent_path() / file).string());
        if (parent.ok()) (void)WriteCgroupFile((*it / file).string(), *parent);
      }
    }
    if (!settings.cpuset.empty()) {
      if (auto s = WriteCgroupFile(cpuset.string() + "/cpuset.cpus", settings.cpuset); !s.ok()) return s;
    }
    std::string cpu = Path("cpu", parents_.cpu, group);
    if (auto s = WriteCgroupFile(cpu + "/cpu.shares", std::to_string(settings.cpu_shares)); !s.ok()) return s;
    if (std::filesystem::exists(cpu + "/cpu.idle")) {
      if (auto s = WriteCgroupFile(cpu + "/cpu.idle", settings.cpu_idle ? "1" : "0"); !s.ok()) return s;
    }
    if (auto s = WriteCgroupFile(cpu + "/cpu.cfs_period_us", std::to_string(kCfsPeriodUs)); !s.ok()) return s;
    if (auto s = SetCpuQuota(group, settings.cpu_quota_milli); !s.ok()) return s;
    return SetMemoryLimit(group, settings.memory_limit_bytes);
  }

  absl::Status SetCpuQuota(const std::string& group, std::optional<int64_t> quota_milli) override {
    return WriteCgroupFile(Path("cpu", parents_.cpu, group) + "/cpu.cfs_quota_us",
                           quota_milli ? std::to_string(CfsQuotaUs(*quota_milli)) : "-1");
  }

  absl::Status SetMemoryLimit(const std::string& group, std::optional<int64_t> limit_bytes) override {
    return WriteCgroupFile(Path("memory", parents_.memory, group) + "/memory.limit_in_bytes",
                           limit_bytes ? std::to_string(*limit_bytes) : "-1");
  }

  absl::Status SetCpusetTree(const std::string& group, const std::string& cpus) override {
    std::vector<std::string> tree = CgroupTree(Path("cpuset", parents_.cpuset, group));
    if (tree.empty()) return absl::NotFoundError(absl::StrCat("no cpuset cgroup ", group));
    auto target = qos::ParseCpuList(cpus);
    if (!target.ok()) return target.status();
    for (const std::string& dir : tree) {
      auto current = qos::ParseCpuList(ReadFile(dir + "/cpuset.cpus").value_or(""));
      absl::flat_hash_set<int> both(target->begin(), target->end());
      if (current.ok()) both.insert(current->begin(), current->end());
      if (auto s = WriteCgroupFile(dir + "/cpuset.cpus", qos::FormatCpuList({both.begin(), both.end()})); !s.ok()) {
        return s;
      }
    }
    for (auto it = tree.rbegin(); it != tree.rend(); ++it) {
      if (auto s = WriteCgroupFile(*it + "/cpuset.cpus", cpus); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::vector<std::string> ProcsFiles(const std::string& group) const override {
    std::vector<std::string> out;
    for (const std::string& dir : Dirs(group)) out.push_back(dir + "/cgroup.procs");
    return out;
  }

  absl::StatusOr<CgroupUsage> Usage(const std::string& group) const override {
    CgroupUsage u;
    std::string memory = Path("memory", parents_.memory, group);
    if (!std::filesystem::exists(memory)) return absl::NotFoundError(absl::StrCat("no cgroup ", group));
    u.cpu_usage_ns = static_cast<uint64_t>(ReadCgroupInt(Path("cpuacct", parents_.cpuacct, group) + "/cpuacct.usage"));
    u.memory_bytes = ReadCgroupInt(memory + "/memory.usage_in_bytes");
    u.oom_kills = ReadCgroupKey(memory + "/memory.oom_control", "oom_kill");
    return u;
  }

  std::vector<pid_t> Processes(const std::string& group) const override {
    return CgroupTreePids(Path("memory", parents_.memory, group));
  }

  absl::Status Remove(const std::string& group) override {
    if (!Processes(group).empty()) {
      return absl::FailedPreconditionError(absl::StrCat("cgroup ", group, " still has processes"));
    }
    for (const std::string& dir : Dirs(group)) {
      if (auto s = RemoveCgroupTree(dir); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  std::string Path(const char* hierarchy, const std::string& parent, const std::string& group) const {
    return absl::StrCat(root_, "/", hierarchy, parent, "/", group);
  }
  std::vector<std::string> Dirs(const std::string& group) const {
    return {Path("cpu", parents_.cpu, group), Path("cpuacct", parents_.cpuacct, group),
            Path("memory", parents_.memory, group), Path("cpuset", parents_.cpuset, group)};
  }

  const std::string root_;
  const CgroupV1Parents parents_;
};

}  // namespace

std::unique_ptr<CgroupDriver> NewCgroupV1(std::string root, CgroupV1Parents parents) {
  return std::make_unique<CgroupV1>(std::move(root), std::move(parents));
}

}  // namespace gantry::agent
