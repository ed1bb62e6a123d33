// The agent's cgroup v2 layout under a real systemd, without the agent:
// systemd_test.sh runs this as a Delegate=yes, KillMode=process service in a
// namespace whose v2 hierarchy offers only hugetlb (cpu and memory are bound
// to v1 on the CI machines, so the agent itself cannot use v2 there). Like
// the agent it places its one "pod" (a sleep) with a domain controller
// enabled above it, either where the agent does (EnsurePodScope) or, with
// --below-unit, below its own service (the layout systemd cannot restart),
// then waits to be killed and restarted.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/cgroup_files.h"
#include "agent/runtime/pod_scope.h"

using namespace gantry::agent;

namespace {

constexpr char kRoot[] = "/sys/fs/cgroup";

int Fail(const std::string& what) {
  std::fprintf(stderr, "pod_scope_probe: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool below_unit = argc > 1 && std::strcmp(argv[1], "--below-unit") == 0;
  std::string own = OwnCgroups("/proc/self/cgroup")["unified"];
  std::string parent;
  if (below_unit) {
    if (auto moved = MoveProcessesToLeaf(kRoot + own, "init"); !moved.ok()) return Fail(moved.ToString());
    parent = own;
  } else {
    auto scope = EnsurePodScope(kRoot, own);
    if (!scope.ok()) return Fail(scope.status().ToString());
    parent = *scope;
  }
  std::string pods = std::string(kRoot) + parent + "/gantry";
  std::string pod = pods + "/pod";
  if (!std::filesystem::exists(pod)) {
    std::filesystem::create_directories(pod);
    for (const std::string& level : {std::string(kRoot) + parent, pods}) {
      if (auto s = WriteCgroupFile(level + "/cgroup.subtree_control", "+hugetlb"); !s.ok()) return Fail(s.ToString());
    }
    if (fork() == 0) {
      setsid();
      if (!WriteCgroupFile(pod + "/cgroup.procs", std::to_string(getpid())).ok()) _exit(1);
      execl("/bin/sleep", "sleep", "1008", nullptr);
      _exit(127);
    }
  }
  std::printf("pods below %s\n", parent.c_str());
  std::fflush(stdout);
  pause();
  return 0;
}
