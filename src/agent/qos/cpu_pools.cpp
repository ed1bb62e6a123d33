#include "agent/qos/cpu_pools.h"

#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>
#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "common/files.h"

namespace gantry::agent::qos {

int CpuTopology::CpuCount() const {
  int n = 0;
  for (const auto& node : numa_nodes) n += static_cast<int>(node.size());
  return n;
}

absl::StatusOr<std::vector<int>> ParseCpuList(const std::string& text) {
  std::set<int> cpus;
  for (absl::string_view item : absl::StrSplit(absl::StripAsciiWhitespace(text), ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> range = absl::StrSplit(item, absl::MaxSplits('-', 1));
    int from = 0, to = 0;
    if (!absl::SimpleAtoi(range[0], &from) || !absl::SimpleAtoi(range.back(), &to) || from < 0 || to < from ||
        to - from > 4096) {
      return absl::InvalidArgumentError(absl::StrCat("\"", item, "\" in cpu list \"", text, "\" is not N or N-M"));
    }
    for (int c = from; c <= to; ++c) cpus.insert(c);
  }
  return std::vector<int>(cpus.begin(), cpus.end());
}

std::string FormatCpuList(const std::vector<int>& cpus) {
  std::vector<int> sorted = cpus;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> parts;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    parts.push_back(j == i ? std::to_string(sorted[i]) : absl::StrCat(sorted[i], "-", sorted[j]));
    i = j + 1;
  }
  return absl::StrJoin(parts, ",");
}

CpuTopology DetectCpuTopology(const std::string& sys_root) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  bool have_mask = sched_getaffinity(0, sizeof(allowed), &allowed) == 0;
  auto usable = [&](int cpu) { return !have_mask || (cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed)); };
  CpuTopology topology;
  std::set<int> seen;
  std::error_code ec;
  std::vector<std::filesystem::path> nodes;
  for (const auto& entry : std::filesystem::directory_iterator(sys_root, ec)) {
    std::string name = entry.path().filename().string();
    int id = 0;
    if (absl::StartsWith(name, "node") && absl::SimpleAtoi(name.substr(4), &id)) nodes.push_back(entry.path());
  }
  std::sort(nodes.begin(), nodes.end());
  for (const auto& node : nodes) {
    auto list = ParseCpuList(ReadFile((node / "cpulist").string()).value_or(""));
    if (!list.ok()) continue;
    std::vector<int> cpus;
    for (int c : *list) {
      if (usable(c) && seen.insert(c).second) cpus.push_back(c);
    }
    if (!cpus.empty()) topology.numa_nodes.push_back(std::move(cpus));
  }
  if (topology.numa_nodes.empty()) {
    std::vector<int> all;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (have_mask ? CPU_ISSET(c, &allowed) : c < 1) all.push_back(c);
    }
    topology.numa_nodes.push_back(std::move(all));
  }
  return topology;
}

CpuPools::CpuPools(CpuTopology topology) : topology_(std::move(topology)) {}

absl::StatusOr<std::vector<int>> CpuPools::Allocate(const std::string& uid, int count) {
  absl::MutexLock lock(&mu_);
  std::vector<int> held;
  for (const auto& [cpu, owner] : owner_) {
    if (owner == uid) held.push_back(cpu);
  }
  if (!held.empty()) {
    std::sort(held.begin(), held.end());
    return held;
  }
  int total = topology_.CpuCount();
  int free_total = total - static_cast<int>(owner_.size());
  if (count < 1 || count > free_total - 1) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the node cannot give ", count, " whole CPU(s): ", free_total, " of ", total,
        " are not dedicated and the shared pool keeps at least one"));
  }
  // Free CPUs per NUMA node, highest-numbered first.
  std::vector<std::vector<int>> free(topology_.numa_nodes.size());
  for (size_t n = 0; n < topology_.numa_nodes.size(); ++n) {
    for (int c : topology_.numa_nodes[n]) {
      if (!owner_.contains(c)) free[n].push_back(c);
    }
    std::sort(free[n].rbegin(), free[n].rend());
  }
  // Best fit: the NUMA node with the fewest free CPUs that still holds the
  // whole pod (the highest-numbered on a tie, keeping node 0 for the shared
  // pool); when none does, the roomiest nodes in turn.
  std::optional<size_t> best;
  for (size_t n = 0; n < free.size(); ++n) {
    if (static_cast<int>(free[n].size()) < count) continue;
    if (!best || free[n].size() <= free[*best].size()) best = n;
  }
  std::vector<size_t> order;
  if (best) {
    order = {*best};
  } else {
    for (size_t n = 0; n < free.size(); ++n) order.push_back(n);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return free[a].size() > free[b].size(); });
  }
  std::vector<int> chosen;
  for (size_t n : order) {
    for (int c : free[n]) {
      if (static_cast<int>(chosen.size()) == count) break;
      chosen.push_back(c);
    }
  }
  std::sort(chosen.begin(), chosen.end());
  for (int c : chosen) owner_[c] = uid;
  return chosen;
}

absl::Status CpuPools::Restore(const std::string& uid, const std::vector<int>& cpus) {
  absl::MutexLock lock(&mu_);
  for (int c : cpus) {
    auto it = owner_.find(c);
    if (it != owner_.end() && it->second != uid) {
      return absl::FailedPreconditionError(absl::StrCat("CPU ", c, " is already dedicated to pod ", it->second));
    }
  }
  for (int c : cpus) owner_[c] = uid;
  return absl::OkStatus();
}

void CpuPools::Release(const std::string& uid) {
  absl::MutexLock lock(&mu_);
  absl::erase_if(owner_, [&](const auto& entry) { return entry.second == uid; });
}

std::vector<int> CpuPools::SharedPool() const {
  absl::MutexLock lock(&mu_);
  std::vector<int> out;
  for (const auto& node : topology_.numa_nodes) {
    for (int c : node) {
      if (!owner_.contains(c)) out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

int CpuPools::DedicatedCount() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(owner_.size());
}

}  // namespace gantry::agent::qos
