#include "agent/runtime/container_exec.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/files.h"

namespace gantry::agent {
namespace {

constexpr const char* kNamespaces[] = {"net", "ipc", "uts", "pid", "mnt"};

[[noreturn]] void Child(const std::vector<std::string>& ns_paths, const std::vector<std::string>& cgroup_procs,
                        const std::string& working_dir, char* const* argv, char* const* envp, int out) {
  for (const std::string& procs : cgroup_procs) {
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!write(fd, "0", 1);
      close(fd);
    }
  }
  // All namespace files are opened before the first setns: joining the
  // mount namespace changes what /proc/<pid> resolves to.
  int fds[5];
  for (size_t i = 0; i < ns_paths.size(); ++i) {
    fds[i] = open(ns_paths[i].c_str(), O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) _exit(126);
  }
  for (size_t i = 0; i < ns_paths.size(); ++i) {
    if (setns(fds[i], 0) != 0) _exit(126);
    close(fds[i]);
  }
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  dup2(null, 0);
  dup2(out, 1);
  dup2(out, 2);
  if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(126);
  // The PID namespace applies to children only: the command runs in one.
  pid_t command = fork();
  if (command < 0) _exit(126);
  if (command == 0) {
    execvpe(argv[0], argv, envp);
    _exit(127);
  }
  int status = 0;
  while (waitpid(command, &status, 0) < 0 && errno == EINTR) {
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

}  // namespace

absl::StatusOr<ExecResult> ExecInContainer(const ExecRequest& request) {
  if (request.argv.empty()) return absl::InvalidArgumentError("no command to run");
  if (request.container_pid <= 0) return absl::FailedPreconditionError("the container is not running");
  std::vector<std::string> ns_paths;
  for (const char* ns : kNamespaces) ns_paths.push_back(absl::StrCat("/proc/", request.container_pid, "/ns/", ns));
  auto environ = ReadFile(absl::StrCat("/proc/", request.container_pid, "/environ"));
  if (!environ.ok()) return absl::FailedPreconditionError("the container is not running");
  std::vector<std::string> env = absl::StrSplit(*environ, '\0', absl::SkipEmpty());
  std::vector<std::string> args = request.argv;
  std::vector<char*> argv;
  std::vector<char*> envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  pid_t child = fork();
  if (child < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (child == 0) Child(ns_paths, request.cgroup_procs, request.working_dir, argv.data(), envp.data(), pipe_fds[1]);
  close(pipe_fds[1]);
  ExecResult result;
  absl::Time deadline = absl::Now() + request.timeout;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  bool output_open = true;
  bool exited = false;
  char buffer[4096];
  while (!exited) {
    int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left <= 0) {
      result.timed_out = true;
      kill(child, SIGKILL);
      break;
    }
    pollfd fds[2] = {{output_open ? pipe_fds[0] : -1, POLLIN, 0}, {pidfd, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(std::min<int64_t>(left, 100))) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
      if (n > 0 && result.output.size() < request.max_output) {
        result.output.append(buffer, std::min(static_cast<size_t>(n), request.max_output - result.output.size()));
      }
      if (n == 0) output_open = false;
    }
    exited = fds[1].revents != 0 || pidfd < 0;
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  // What the command wrote just before it ended.
  fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  for (ssize_t n; output_open && (n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) {
    if (result.output.size() < request.max_output) {
      result.output.append(buffer, std::min(static_cast<size_t>(n), request.max_output - result.output.size()));
    }
  }
  close(pipe_fds[0]);
  if (pidfd >= 0) close(pidfd);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace gantry::agent
