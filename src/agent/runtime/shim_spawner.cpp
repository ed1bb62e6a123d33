#include "agent/runtime/shim_spawner.h"

#include <absl/strings/str_cat.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

namespace gantry::agent {
namespace {

constexpr size_t kMaxRequest = 1 << 20;

std::string Encode(const ShimSpec& s) {
  nlohmann::json mounts = nlohmann::json::array();
  for (const ShimMount& m : s.mounts) mounts.push_back({m.source, m.target, m.read_only});
  return nlohmann::json{{"argv", s.argv},
                        {"mounts", mounts},
                        {"netNs", s.net_ns},
                        {"env", s.env},
                        {"workingDir", s.working_dir},
                        {"logPath", s.log_path},
                        {"cgroupProcs", s.cgroup_procs},
                        {"newNamespaces", s.new_namespaces},
                        {"hostname", s.hostname},
                        {"oomScoreAdj", s.oom_score_adj},
                        {"pidPath", s.pid_path},
                        {"exitPath", s.exit_path}}
      .dump();
}

bool Decode(const std::string& text, ShimSpec* s) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  s->argv = j.value("argv", std::vector<std::string>{});
  s->env = j.value("env", std::vector<std::string>{});
  s->working_dir = j.value("workingDir", "");
  s->log_path = j.value("logPath", "");
  s->cgroup_procs = j.value("cgroupProcs", std::vector<std::string>{});
  s->new_namespaces = j.value("newNamespaces", true);
  s->net_ns = j.value("netNs", "");
  for (const auto& m : j.value("mounts", nlohmann::json::array())) {
    if (!m.is_array() || m.size() != 3 || !m[0].is_string() || !m[1].is_string() || !m[2].is_boolean()) return false;
    s->mounts.push_back({m[0].get<std::string>(), m[1].get<std::string>(), m[2].get<bool>()});
  }
  s->hostname = j.value("hostname", "");
  s->oom_score_adj = j.value("oomScoreAdj", 0);
  s->pid_path = j.value("pidPath", "");
  s->exit_path = j.value("exitPath", "");
  return true;
}

[[noreturn]] void ZygoteMain(int socket) {
  prctl(PR_SET_NAME, "gantry-zygote");
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Shims end on their own; the kernel reaps them (their pidfds still fire).
  signal(SIGCHLD, SIG_IGN);
  std::vector<char> buffer(kMaxRequest);
  while (true) {
    ssize_t n = recv(socket, buffer.data(), buffer.size(), 0);
    if (n <= 0) _exit(0);  // the agent is gone
    ShimSpec spec;
    int32_t reply;
    if (!Decode(std::string(buffer.data(), static_cast<size_t>(n)), &spec)) {
      reply = -EINVAL;
    } else {
      auto pid = SpawnShim(spec);
      reply = pid.ok() ? *pid : -EAGAIN;
    }
    if (send(socket, &reply, sizeof(reply), MSG_NOSIGNAL) != sizeof(reply)) _exit(0);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<ShimSpawner>> ShimSpawner::Fork() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return absl::InternalError(absl::StrCat("socketpair: ", strerror(errno)));
  }
  pid_t zygote = fork();
  if (zygote < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (zygote == 0) {
    close(fds[0]);
    ZygoteMain(fds[1]);
  }
  close(fds[1]);
  return std::unique_ptr<ShimSpawner>(new ShimSpawner(fds[0], zygote));
}

ShimSpawner::~ShimSpawner() {
  close(socket_);
  waitpid(zygote_, nullptr, 0);
}

absl::StatusOr<pid_t> ShimSpawner::Spawn(const ShimSpec& spec) {
  std::string request = Encode(spec);
  if (request.size() > kMaxRequest) return absl::InvalidArgumentError("the container's command and env are too large");
  absl::MutexLock lock(&mu_);
  if (send(socket_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError(absl::StrCat("the shim zygote is gone: ", strerror(errno)));
  }
  int32_t reply = 0;
  if (recv(socket_, &reply, sizeof(reply), 0) != sizeof(reply)) {
    return absl::UnavailableError("the shim zygote did not answer");
  }
  if (reply < 0) return absl::InternalError(absl::StrCat("starting the shim failed: ", strerror(-reply)));
  return reply;
}

}  // namespace gantry::agent
