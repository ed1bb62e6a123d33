#include "agent/runtime/container_shim.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>
#include <absl/time/time.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <poll.h>
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
  std::vector<ShimMount> mounts;
  std::string net_ns;
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

// Appends "2026-12-02T15:21:00.123456789Z" (RFC 3339 with nanoseconds, UTC).
void AppendTimestamp(char* buf, size_t cap, size_t* len, const timespec& t) {
  auto two = [&](long long v) {
    if (v < 10) Append(buf, cap, len, "0");
    AppendInt(buf, cap, len, v);
  };
  // Days since the epoch to a civil date (Howard Hinnant's algorithm).
  long long days = t.tv_sec / 86400;
  long long secs = t.tv_sec % 86400;
  days += 719468;
  long long era = days / 146097;
  long long doe = days - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  long long day = doy - (153 * mp + 2) / 5 + 1;
  long long month = mp < 10 ? mp + 3 : mp - 9;
  long long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  AppendInt(buf, cap, len, year);
  Append(buf, cap, len, "-");
  two(month);
  Append(buf, cap, len, "-");
  two(day);
  Append(buf, cap, len, "T");
  two(secs / 3600);
  Append(buf, cap, len, ":");
  two(secs / 60 % 60);
  Append(buf, cap, len, ":");
  two(secs % 60);
  Append(buf, cap, len, ".");
  char nanos[10];
  long long n = t.tv_nsec;
  for (int i = 8; i >= 0; --i, n /= 10) nanos[i] = static_cast<char>('0' + n % 10);
  nanos[9] = '\0';
  Append(buf, cap, len, nanos);
  Append(buf, cap, len, "Z");
}

// One record of the CRI log format kubelet reads: "<time> <stream> <F|P>
// <text>\n", P marking text that the next record continues.
void WriteLogRecord(int log, const char* stream, bool partial, const char* data, size_t size) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  char header[64];
  size_t len = 0;
  AppendTimestamp(header, sizeof(header), &len, now);
  Append(header, sizeof(header), &len, " ");
  Append(header, sizeof(header), &len, stream);
  Append(header, sizeof(header), &len, partial ? " P " : " F ");
  (void)!write(log, header, len);
  (void)!write(log, data, size);
  (void)!write(log, "\n", 1);
}

// Writes what the container wrote to one of its streams, a record per line.
void CopyOutput(int log, const char* stream, const char* data, size_t size) {
  while (size > 0) {
    const char* nl = static_cast<const char*>(memchr(data, '\n', size));
    size_t line = nl == nullptr ? size : static_cast<size_t>(nl - data);
    WriteLogRecord(log, stream, nl == nullptr, data, line);
    size_t used = nl == nullptr ? size : line + 1;
    data += used;
    size -= used;
  }
}

// Copies the container's output into its log until both streams close, or
// until the container has exited and what is left in the pipes is read
// (processes it left behind may hold them open). Returns its wait status
// and when it ended.
int PumpOutput(pid_t child, int log, int out, int err, timespec* ended) {
  int fds[2] = {out, err};
  const char* names[2] = {"stdout", "stderr"};
  static char buffer[64 << 10];
  int status = 0;
  bool exited = false;
  int drains_left = 64;
  while (fds[0] >= 0 || fds[1] >= 0) {
    pollfd polled[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    int ready = poll(polled, 2, exited ? 0 : 100);
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if (fds[i] < 0 || polled[i].revents == 0) continue;
      ssize_t n = read(fds[i], buffer, sizeof(buffer));
      if (n > 0) {
        CopyOutput(log, names[i], buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i]);
        fds[i] = -1;
      }
    }
    if (!exited) {
      if (waitpid(child, &status, WNOHANG) == child) {
        exited = true;
        clock_gettime(CLOCK_REALTIME, ended);
      }
    } else if (ready <= 0 || --drains_left == 0) {
      break;
    }
  }
  if (!exited) {
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    clock_gettime(CLOCK_REALTIME, ended);
  }
  return status;
}

[[noreturn]] void ExecContainer(const Prepared& p, int out, int err) {
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
  if (!p.net_ns.empty()) {
    int ns = open(p.net_ns.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      Say("joining the pod's network namespace");
      _exit(126);
    }
    close(ns);
  }
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) _exit(126);
  dup2(null, 0);
  dup2(out, 1);
  dup2(err, 2);
  const bool own_mounts = p.new_namespaces || !p.mounts.empty();
  if (own_mounts && unshare(CLONE_NEWNS | (p.new_namespaces ? CLONE_NEWUTS | CLONE_NEWIPC : 0)) != 0) {
    Say("unshare of mount, UTS and IPC namespaces");
    _exit(126);
  }
  // A private mount table, so nothing mounted here reaches the node.
  if (own_mounts) mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  if (p.new_namespaces) {
    // A /proc that shows only this pod's processes.
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    if (!p.hostname.empty()) sethostname(p.hostname.data(), p.hostname.size());
  }
  for (const ShimMount& m : p.mounts) {
    if (mount(m.source.c_str(), m.target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      Say("bind mount of a volume");
      _exit(126);
    }
    if (m.read_only && mount(nullptr, m.target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      Say("read-only remount of a volume");
      _exit(126);
    }
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
  int out[2];
  int err[2];
  int log = open(p.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log < 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    Say("opening the container's log");
    _exit(1);
  }
  pid_t child = fork();
  if (child < 0) _exit(1);
  if (child == 0) ExecContainer(p, out[1], err[1]);
  close(out[1]);
  close(err[1]);
  char buf[128];
  size_t len = 0;
  AppendInt(buf, sizeof(buf), &len, child);
  WriteAtomic(p.pid_tmp.c_str(), p.pid_path.c_str(), buf, len);
  timespec now{};
  int status = PumpOutput(child, log, out[0], err[0], &now);
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
  p->mounts = spec.mounts;
  p->net_ns = spec.net_ns;
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
