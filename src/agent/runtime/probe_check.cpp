#include "agent/runtime/probe_check.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/time/clock.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/runtime/container_exec.h"
#include "agent/runtime/container_shim.h"

namespace gantry::agent {
namespace {

std::string HostOf(const std::string& host, const CheckTarget& target) {
  if (!host.empty()) return host;
  return target.pod_ip.empty() ? "127.0.0.1" : target.pod_ip;
}

// Connects to host:port within `timeout`; "" on success, else Go's dial error text.
std::string Dial(const std::string& host, int port, absl::Duration timeout) {
  std::string address = absl::StrCat(host, ":", port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
    return absl::StrCat("dial tcp ", address, ": lookup ", host, ": no such host");
  }
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int error = 0;
  if (fd < 0) {
    error = errno;
  } else if (connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int ready = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
      socklen_t len = sizeof(error);
      if (ready <= 0) {
        error = ETIMEDOUT;
      } else {
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
      }
    }
  }
  freeaddrinfo(found);
  if (fd >= 0) close(fd);
  if (error == 0) return "";
  if (error == ETIMEDOUT) return absl::StrCat("dial tcp ", address, ": i/o timeout");
  return absl::StrCat("dial tcp ", address, ": connect: ", error == ECONNREFUSED ? "connection refused" : strerror(error));
}

}  // namespace

absl::StatusOr<int> ResolvePort(const std::string& port, const api::Container& container) {
  int number = 0;
  if (absl::SimpleAtoi(port, &number)) return number;
  for (const auto& p : container.ports()) {
    if (p.name() == port) return p.container_port();
  }
  return absl::NotFoundError(absl::StrCat("couldn't find port ", port, " in container ", container.name()));
}

CheckResult RunExec(const api::ExecAction& exec, const CheckTarget& target, absl::Duration timeout) {
  // A container started a moment ago may not have its pid recorded yet.
  absl::StatusOr<pid_t> pid = ReadContainerPid(target.pid_path);
  for (int waited = 0; !pid.ok() && waited < 10; ++waited) {
    absl::SleepFor(absl::Milliseconds(100));
    pid = ReadContainerPid(target.pid_path);
  }
  if (!pid.ok()) return {false, "the container is not running"};
  ExecRequest request;
  request.container_pid = *pid;
  request.argv.assign(exec.command().begin(), exec.command().end());
  request.cgroup_procs = target.cgroup_procs;
  request.working_dir = target.container.working_dir();
  request.timeout = timeout;
  auto ran = ExecInContainer(request);
  if (!ran.ok()) return {false, std::string(ran.status().message())};
  if (ran->timed_out) {
    return {false, absl::StrCat("command \"", absl::StrJoin(exec.command(), " "), "\" timed out")};
  }
  if (ran->exit_code != 0) {
    std::string message = ran->output.empty() ? absl::StrCat("command exited with status ", ran->exit_code) : ran->output;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return {false, message};
  }
  return {true, ""};
}

CheckResult RunHttpGet(const api::HTTPGetAction& get, const CheckTarget& target, absl::Duration timeout) {
  auto port = ResolvePort(get.port(), target.container);
  if (!port.ok()) return {false, std::string(port.status().message())};
  std::string host = HostOf(get.host(), target);
  const std::string& path = get.path().empty() ? "/" : get.path();
  const char* scheme = get.scheme() == "HTTPS" ? "https" : "http";
  std::string url = absl::StrCat(scheme, "://", host, ":", *port, path);
  httplib::Client client(absl::StrCat(scheme, "://", host, ":", *port));
  // As kubelet: an HTTPS probe does not verify the container's certificate.
  client.enable_server_certificate_verification(false);
  int64_t micros = absl::ToInt64Microseconds(timeout);
  client.set_connection_timeout(micros / 1000000, micros % 1000000);
  client.set_read_timeout(micros / 1000000, micros % 1000000);
  client.set_write_timeout(micros / 1000000, micros % 1000000);
  httplib::Headers headers = {{"User-Agent", "kube-probe/1.32"}, {"Accept", "*/*"}};
  for (const auto& h : get.http_headers()) headers.emplace(h.name(), h.value());
  auto response = client.Get(path.c_str(), headers);
  if (!response) {
    std::string dial = response.error() == httplib::Error::Connection ? Dial(host, *port, timeout) : "";
    return {false, absl::StrCat("Get \"", url, "\": ", dial.empty() ? httplib::to_string(response.error()) : dial)};
  }
  if (response->status < 200 || response->status >= 400) {
    return {false, absl::StrCat("HTTP probe failed with statuscode: ", response->status)};
  }
  return {true, ""};
}

CheckResult RunTcpSocket(const api::TCPSocketAction& tcp, const CheckTarget& target, absl::Duration timeout) {
  auto port = ResolvePort(tcp.port(), target.container);
  if (!port.ok()) return {false, std::string(port.status().message())};
  std::string error = Dial(HostOf(tcp.host(), target), *port, timeout);
  return {error.empty(), error};
}

}  // namespace gantry::agent
