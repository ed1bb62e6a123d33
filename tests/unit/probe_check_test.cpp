#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "agent/runtime/probe_check.h"
#include "yaml_objects.h"

using gantry::agent::CheckTarget;

namespace {

// A port nothing listens on: bound, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("httpGet and tcpSocket checks: kubelet's success range and failure messages, named ports") {
  httplib::Server server;
  server.Get("/ok", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.get_header_value("User-Agent"), "text/plain");
  });
  server.Get("/redirect", [](const httplib::Request&, httplib::Response& res) { res.status = 302; });
  server.Get("/broken", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();

  auto container = FromYaml<gantry::api::Container>(
      "name: web\nports: [{name: http, containerPort: " + std::to_string(port) + "}]\n");
  CheckTarget target;
  target.container = *container;
  target.pod_ip = "127.0.0.1";
  auto get = [&](const std::string& path, const std::string& port_text) {
    gantry::api::HTTPGetAction action;
    action.set_path(path);
    action.set_port(port_text);
    return gantry::agent::RunHttpGet(action, target, absl::Seconds(2));
  };
  CHECK(get("/ok", "http").success);
  CHECK(get("/redirect", std::to_string(port)).success);
  auto broken = get("/broken", "http");
  CHECK_FALSE(broken.success);
  CHECK(broken.message == "HTTP probe failed with statuscode: 503");
  CHECK(get("/ok", "nope").message == "couldn't find port nope in container web");

  int closed = ClosedPort();
  auto refused = get("/", std::to_string(closed));
  CHECK_FALSE(refused.success);
  CHECK(refused.message == "Get \"http://127.0.0.1:" + std::to_string(closed) + "/\": dial tcp 127.0.0.1:" +
                               std::to_string(closed) + ": connect: connection refused");

  gantry::api::TCPSocketAction tcp;
  tcp.set_port("http");
  CHECK(gantry::agent::RunTcpSocket(tcp, target, absl::Seconds(1)).success);
  tcp.set_port(std::to_string(closed));
  CHECK(gantry::agent::RunTcpSocket(tcp, target, absl::Seconds(1)).message ==
        "dial tcp 127.0.0.1:" + std::to_string(closed) + ": connect: connection refused");
  server.stop();
  serving.join();
}
