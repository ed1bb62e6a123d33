#include "agent/host_check.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "agent/runtime/cgroup_driver.h"
#include "agent/runtime/pod_scope.h"

namespace gantry::agent {
namespace {

namespace fs = std::filesystem;

HostCheck Check(std::string what, bool ok, std::string detail, bool required = false) {
  return HostCheck{std::move(what), ok, std::move(detail), required};
}

void CheckCgroups(const HostCheckOptions& o, std::vector<HostCheck>& out) {
  if (std::optional<UnifiedHierarchy> unified = FindUnifiedHierarchy(o.cgroup_root)) {
    out.push_back(Check("cgroup v2 with cpu and memory", true,
                        absl::StrCat("controllers: ", absl::StrJoin(unified->controllers, " "))));
    bool cpuset = unified->Has("cpuset");
    out.push_back(Check("cgroup v2 cpuset (dedicated cores)", cpuset,
                        cpuset ? "available" : "missing: dedicated pods share cores; enable cpuset in the "
                                               "parent's cgroup.subtree_control"));
    // Under systemd the agent's unit must be delegated for its pods to live
    // below it, or (a service) in the delegated scope it starts beside it.
    std::string own = OwnCgroups(o.proc_self + "/cgroup")["unified"];
    bool writable = access((unified->path + own + "/cgroup.subtree_control").c_str(), W_OK) == 0;
    std::optional<PodScope> scope = PodScopeFor(own);
    std::string pods = absl::StrCat(scope ? scope->cgroup : own, "/gantry");
    out.push_back(Check("cgroup delegation", own.empty() || writable,
                        own.empty() ? "this process is in the root cgroup: pods go to /gantry"
                        : writable
                            ? absl::StrCat("pods go below ", pods)
                            : absl::StrCat(own, " is not delegated: run gantry from its unit (Delegate=yes)"),
                        true));
    return;
  }
  std::vector<std::string> missing;
  for (const char* c : {"cpu", "cpuacct", "memory", "cpuset"}) {
    if (!fs::exists(absl::StrCat(o.cgroup_root, "/", c, "/cgroup.procs"))) missing.push_back(c);
  }
  bool usable = std::find(missing.begin(), missing.end(), "cpu") == missing.end() &&
                std::find(missing.begin(), missing.end(), "memory") == missing.end();
  out.push_back(Check("cgroup v1: cpu, cpuacct, memory, cpuset", missing.empty(),
                      missing.empty() ? "all mounted"
                                      : absl::StrCat("missing: ", absl::StrJoin(missing, ", "),
                                                     usable ? " (pods run with less isolation)"
                                                            : "; mount them, or boot with cgroup v2 "
                                                              "(systemd.unified_cgroup_hierarchy=1)"),
                      !usable));
}

void CheckNamespaces(const HostCheckOptions& o, std::vector<HostCheck>& out) {
  std::vector<std::string> missing;
  for (const char* ns : {"pid", "mnt", "uts", "ipc", "net"}) {
    if (!fs::exists(absl::StrCat(o.proc_self, "/ns/", ns))) missing.push_back(ns);
  }
  out.push_back(Check("namespaces: pid, mnt, uts, ipc, net", missing.empty(),
                      missing.empty() ? "available"
                                      : absl::StrCat("missing: ", absl::StrJoin(missing, ", "),
                                                     "; the kernel needs CONFIG_*_NS"),
                      true));
}

void CheckRoot(std::vector<HostCheck>& out) {
  bool root = geteuid() == 0;
  out.push_back(Check("running as root", root,
                      root ? "the agent can make cgroups, namespaces and mounts"
                           : "the agent needs root for cgroups, namespaces and mounts: run it as root (sudo)",
                      true));
}

void CheckDataDir(const std::string& label, const std::string& dir, std::vector<HostCheck>& out) {
  fs::path probe = dir;
  std::error_code ec;
  while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
  bool writable = !probe.empty() && access(probe.c_str(), W_OK) == 0;
  out.push_back(Check(absl::StrCat(label, " data dir ", dir), writable,
                      writable ? (probe == fs::path(dir) ? "writable" : absl::StrCat("can be created in ", probe.string()))
                               : absl::StrCat(probe.string(), " is not writable: choose --data-dir elsewhere"),
                      true));
}

void CheckPort(int port, std::vector<HostCheck>& out) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  bool free = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  std::string why = free ? "free" : absl::StrCat("in use (", std::strerror(errno), "): a running gantry server, or "
                                                "another service; pick another with --port / --agent-port");
  if (fd >= 0) close(fd);
  out.push_back(Check(absl::StrCat("port ", port, "/tcp"), free, why));
}

void CheckCni(const HostCheckOptions& o, std::vector<HostCheck>& out) {
  std::vector<std::string> missing;
  for (const char* plugin : {"bridge", "host-local", "loopback"}) {
    if (access(absl::StrCat(o.cni_plugin_dir, "/", plugin).c_str(), X_OK) != 0) missing.push_back(plugin);
  }
  out.push_back(Check("CNI plugins bridge, host-local, loopback", missing.empty(),
                      missing.empty() ? absl::StrCat("in ", o.cni_plugin_dir)
                                      : absl::StrCat("missing in ", o.cni_plugin_dir, ": ", absl::StrJoin(missing, ", "),
                                                     "; pods share the node's network until "
                                                     "apt-get install containernetworking-plugins")));
}

void CheckClock(std::vector<HostCheck>& out) {
  timex tx{};
  int state = adjtimex(&tx);
  bool synced = state != -1 && state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  out.push_back(Check("clock synchronised", synced,
                      synced ? "the kernel reports a synchronised clock"
                             : "not synchronised: certificates, leases and heartbeats need agreeing clocks "
                               "(enable systemd-timesyncd or chrony)"));
}

}  // namespace

std::vector<HostCheck> CheckHost(const HostCheckOptions& options) {
  std::vector<HostCheck> checks;
  CheckRoot(checks);
  CheckCgroups(options, checks);
  CheckNamespaces(options, checks);
  CheckCni(options, checks);
  CheckDataDir("server", options.server_data_dir, checks);
  CheckDataDir("agent", options.agent_data_dir, checks);
  for (int port : options.ports) CheckPort(port, checks);
  CheckClock(checks);
  return checks;
}

int PrintHostChecks(const std::vector<HostCheck>& checks) {
  bool fatal = false;
  for (const HostCheck& c : checks) {
    const char* verdict = c.ok ? "ok" : c.required ? "missing" : "warning";
    std::printf("%-8s %-45s %s\n", verdict, c.what.c_str(), c.detail.c_str());
    fatal = fatal || (!c.ok && c.required);
  }
  std::printf("%s\n", fatal ? "the agent cannot run on this machine: fix the lines marked missing"
                            : "this machine can run gantry");
  return fatal ? 1 : 0;
}

}  // namespace gantry::agent
