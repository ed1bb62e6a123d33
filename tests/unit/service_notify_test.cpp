#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/service_notify.h"

namespace {

// A datagram socket bound where systemd's would be; `name` starting with '@'
// is in the abstract namespace.
struct NotifySocket {
  int fd = -1;
  explicit NotifySocket(const std::string& name) {
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name[0] == '@') address.sun_path[0] = '\0';
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())) == 0);
    setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~NotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd);
  }
  std::string Receive() const {
    char buffer[256];
    ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    return n < 0 ? std::string("<nothing>") : std::string(buffer, static_cast<size_t>(n));
  }
};

}  // namespace

TEST_CASE("READY=1 and STOPPING=1 reach systemd's notify socket, a path or an abstract name") {
  std::string path = "/tmp/gantry-notify-test-" + std::to_string(getpid());
  unlink(path.c_str());
  {
    NotifySocket socket(path);
    gantry::NotifyServiceManager("READY=1");
    CHECK(socket.Receive() == "READY=1");
    gantry::NotifyServiceManager("STOPPING=1");
    CHECK(socket.Receive() == "STOPPING=1");
  }
  unlink(path.c_str());
  {
    NotifySocket socket("@gantry-notify-test-" + std::to_string(getpid()));
    gantry::NotifyServiceManager("READY=1");
    CHECK(socket.Receive() == "READY=1");
  }
}

TEST_CASE("without NOTIFY_SOCKET nothing is sent and nothing fails") {
  unsetenv("NOTIFY_SOCKET");
  gantry::NotifyServiceManager("READY=1");
  setenv("NOTIFY_SOCKET", "relative/path", 1);
  gantry::NotifyServiceManager("READY=1");  // refused with a warning, not sent
  unsetenv("NOTIFY_SOCKET");
}
