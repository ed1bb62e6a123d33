#include "agent/runtime/container_shim.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>
#include <absl/time/time.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/time_format.h"

namespace gantry::agent {
namespace {

// Everything the child needs, as C strings built before the fork.
struct Prepared {
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<std::string> cgroup_procs;
  std::string log_path, working_dir, hostname, pid_path, pid_tmp, exit_path, exit_tmp;
  bool new_namespaces = true;
  std::string oom_score_adj;  // empty: leave it
};

// Async-signal-safe helpers for the forked child.
void Append(char* buf, size_t cap, size_t* len, const char* s) {
  while (*s != '\0' && *len + 1 < cap) buf[(*len)++] = *s++;
  buf[*len] = '\0';
}

void AppendInt(char* buf, size_t cap, size_t* len, long long v) {
  char digits[24];
  int n = 0;
  bool negative = v < 0;
  unsigned long long u = negative ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  do {
    digits[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (negative) Append(buf, cap, len, "-");
  while (n > 0 && *len + 1 < cap) buf[(*len)++] = digits[--n];
  buf[*len] = '\0';
}

void Say(const char* what) {
  char buf[256];
  size_t len = 0;
  Append(buf, sizeof(buf), &len, "gantry shim: ");
  Append(buf, sizeof(buf), &len, what);
  Append(buf, sizeof(buf), &len, " failed, errno ");
  AppendInt(buf, sizeof(buf), &len, errno);
  Append(buf, sizeof(buf), &len, "\n");
  (void)!write(2, buf, len);
}

// Writes `text` to tmp, then renames it over `path`.
void WriteAtomic(const char* tmp, const char* path, const char* text, size_t len) {
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  (void)!write(fd, text, len);
  close(fd);  // no fsync: the agent reading it shares this machine's page cache
  rename(tmp, path);
}

[[noreturn]] void ExecContainer(const Prepared& p) {
  for (const std::string& procs : p.cgroup_procs) {
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    // "0" moves the writer itself, whatever its pid is in its own namespace.
    if (fd < 0 || write(fd, "0", 1) != 1) {
      Say("joining the pod's cgroup");
      _exit(126);
    }
    close(fd);
  }
  if (!p.oom_score_adj.empty()) {
    // Raising it needs no privilege; lowering it does, and then it is best effort.
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, p.oom_score_adj.data(), p.oom_score_adj.size()) < 0) Say("setting oom_score_adj");
    if (fd >= 0) close(fd);
  }
  int log = open(p.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) _exit(126);
  dup2(null, 0);
  dup2(log, 1);
  dup2(log, 2);
  if (p.new_namespaces) {
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) != 0) {
      Say("unshare of mount, UTS and IPC namespaces");
      _exit(126);
    }
    // A private mount table with a /proc that shows only this pod's processes.
    mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    if (!p.hostname.empty()) sethostname(p.hostname.data(), p.hostname.size());
  }
  if (!p.working_dir.empty() && chdir(p.working_dir.c_str()) != 0) {
    Say("chdir to workingDir");
    _exit(126);
  }
  execvpe(p.argv[0], p.argv.data(), p.envp.data());
  Say("exec of the container command");
  _exit(127);
}

[[noreturn]] void ShimMain(const Prepared& p) {
  // Not the agent's: its descriptors, its session, its blocked signals.
  syscall(SYS_close_range, 3U, ~0U, 0U);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
  setsid();
  if (p.new_namespaces && unshare(CLONE_NEWPID) != 0) {
    Say("unshare of the PID namespace");
    _exit(1);
  }
  pid_t child = fork();
  if (child < 0) _exit(1);
  if (child == 0) ExecContainer(p);
  char buf[128];
  size_t len = 0;
  AppendInt(buf, sizeof(buf), &len, child);
  WriteAtomic(p.pid_tmp.c_str(), p.pid_path.c_str(), buf, len);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  len = 0;
  Append(buf, sizeof(buf), &len, "{\"exitCode\":");
  AppendInt(buf, sizeof(buf), &len, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  Append(buf, sizeof(buf), &len, ",\"signal\":");
  AppendInt(buf, sizeof(buf), &len, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  Append(buf, sizeof(buf), &len, ",\"finishedAtNs\":");
  AppendInt(buf, sizeof(buf), &len, static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
  Append(buf, sizeof(buf), &len, "}");
  WriteAtomic(p.exit_tmp.c_str(), p.exit_path.c_str(), buf, len);
  _exit(0);
}

}  // namespace

absl::StatusOr<pid_t> SpawnShim(const ShimSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("the container has no command");
  auto p = std::make_unique<Prepared>();
  p->argv_storage = spec.argv;
  p->env_storage = spec.env;
  for (auto& a : p->argv_storage) p->argv.push_back(a.data());
  p->argv.push_back(nullptr);
  for (auto& e : p->env_storage) p->envp.push_back(e.data());
  p->envp.push_back(nullptr);
  p->cgroup_procs = spec.cgroup_procs;
  p->log_path = spec.log_path;
  p->working_dir = spec.working_dir;
  p->hostname = spec.hostname;
  p->pid_path = spec.pid_path;
  p->pid_tmp = spec.pid_path + ".tmp";
  p->exit_path = spec.exit_path;
  p->exit_tmp = spec.exit_path + ".tmp";
  p->new_namespaces = spec.new_namespaces;
  if (spec.oom_score_adj != 0) p->oom_score_adj = std::to_string(spec.oom_score_adj);
  pid_t shim = fork();
  if (shim < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (shim == 0) ShimMain(*p);
  return shim;
}

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

absl::StatusOr<pid_t> ReadContainerPid(const std::string& pid_path) {
  auto text = ReadFile(pid_path);
  if (!text.ok()) return text.status();
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid)) {
    return absl::DataLossError(absl::StrCat(pid_path, " holds no pid"));
  }
  return pid;
}

absl::StatusOr<ShimExit> ReadShimExit(const std::string& exit_path) {
  auto text = ReadFile(exit_path);
  if (!text.ok()) return text.status();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return absl::DataLossError(absl::StrCat(exit_path, " is not a JSON object"));
  int64_t ns = j.value("finishedAtNs", int64_t{0});
  return ShimExit{j.value("exitCode", 0), j.value("signal", 0), Rfc3339(absl::FromUnixNanos(ns))};
}

}  // namespace gantry::agent
