#include "agent/runtime/container_shim.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/time_format.h"

namespace gantry::agent {
namespace {

using json = nlohmann::json;

absl::StatusOr<json> ReadJson(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return absl::DataLossError(absl::StrCat(path, " is not a JSON object"));
  return j;
}

// In the forked container process: never returns.
[[noreturn]] void ExecContainer(const ShimSpec& spec) {
  for (const std::string& procs : spec.cgroup_procs) {
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    // "0" moves the writer itself, whatever its pid is in its own namespace.
    if (fd < 0 || write(fd, "0", 1) != 1) {
      dprintf(2, "gantry shim: joining cgroup %s: %s\n", procs.c_str(), strerror(errno));
      _exit(126);
    }
    close(fd);
  }
  int log = open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) _exit(126);
  dup2(null, 0);
  dup2(log, 1);
  dup2(log, 2);
  if (spec.new_namespaces) {
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) != 0) {
      dprintf(2, "gantry shim: unshare: %s\n", strerror(errno));
      _exit(126);
    }
    // A private mount table with a /proc that shows only this pod's processes.
    mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    if (!spec.hostname.empty()) sethostname(spec.hostname.data(), spec.hostname.size());
  }
  if (!spec.working_dir.empty() && chdir(spec.working_dir.c_str()) != 0) {
    dprintf(2, "gantry shim: workingDir %s: %s\n", spec.working_dir.c_str(), strerror(errno));
    _exit(126);
  }
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  signal(SIGPIPE, SIG_DFL);
  execvpe(argv[0], argv.data(), envp.data());
  dprintf(2, "gantry shim: exec %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

}  // namespace

uint64_t ProcessStartTime(pid_t pid) {
  auto stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return 0;
  // The command name (field 2) may hold spaces: count fields after its ')'.
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<absl::string_view> fields = absl::StrSplit(absl::string_view(*stat).substr(close + 2), ' ');
  uint64_t start = 0;
  if (fields.size() > 19) (void)absl::SimpleAtoi(fields[19], &start);  // field 22 overall
  return start;
}

absl::Status WriteShimSpec(const std::string& path, const ShimSpec& spec) {
  json j = {{"argv", spec.argv},         {"env", spec.env},
            {"workingDir", spec.working_dir}, {"logPath", spec.log_path},
            {"cgroupProcs", spec.cgroup_procs}, {"newNamespaces", spec.new_namespaces},
            {"hostname", spec.hostname},   {"statePath", spec.state_path},
            {"exitPath", spec.exit_path}};
  return WriteFileAtomic(path, j.dump(), 0600);
}

absl::StatusOr<ShimState> ReadShimState(const std::string& path) {
  auto j = ReadJson(path);
  if (!j.ok()) return j.status();
  return ShimState{j->value("shimPid", 0), j->value("shimStart", uint64_t{0}), j->value("pid", 0),
                   j->value("startedAt", "")};
}

absl::StatusOr<ShimExit> ReadShimExit(const std::string& path) {
  auto j = ReadJson(path);
  if (!j.ok()) return j.status();
  return ShimExit{j->value("exitCode", 0), j->value("signal", 0), j->value("finishedAt", "")};
}

int RunShim(const std::string& spec_path) {
  auto j = ReadJson(spec_path);
  if (!j.ok()) {
    fprintf(stderr, "gantry shim: %s\n", std::string(j.status().message()).c_str());
    return 2;
  }
  ShimSpec spec;
  spec.argv = j->value("argv", std::vector<std::string>{});
  spec.env = j->value("env", std::vector<std::string>{});
  spec.working_dir = j->value("workingDir", "");
  spec.log_path = j->value("logPath", "");
  spec.cgroup_procs = j->value("cgroupProcs", std::vector<std::string>{});
  spec.new_namespaces = j->value("newNamespaces", true);
  spec.hostname = j->value("hostname", "");
  spec.state_path = j->value("statePath", "");
  spec.exit_path = j->value("exitPath", "");
  if (spec.argv.empty()) {
    fprintf(stderr, "gantry shim: %s has no argv\n", spec_path.c_str());
    return 2;
  }
  setsid();  // outlive the agent: its session and its signals are not ours
  if (spec.new_namespaces && unshare(CLONE_NEWPID) != 0) {
    fprintf(stderr, "gantry shim: unshare(CLONE_NEWPID): %s\n", strerror(errno));
    return 1;
  }
  std::string started_at = NowRfc3339();
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) ExecContainer(spec);

  json state = {{"shimPid", getpid()},
                {"shimStart", ProcessStartTime(getpid())},
                {"pid", child},
                {"startedAt", started_at}};
  (void)WriteFileAtomic(spec.state_path, state.dump(), 0600);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  json exit = {{"exitCode", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)},
               {"signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0},
               {"finishedAt", NowRfc3339()}};
  (void)WriteFileAtomic(spec.exit_path, exit.dump(), 0600);
  return 0;
}

}  // namespace gantry::agent
