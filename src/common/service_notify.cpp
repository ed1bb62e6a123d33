#include "common/service_notify.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace gantry {

void NotifyServiceManager(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  size_t length = std::strlen(path);
  if ((path[0] != '/' && path[0] != '@') || length >= sizeof(address.sun_path)) {
    spdlog::warn("NOTIFY_SOCKET={} is neither a socket path nor an abstract socket; systemd is not told {}", path,
                 state);
    return;
  }
  std::memcpy(address.sun_path, path, length);
  // A leading '@' names a socket in the abstract namespace, whose name starts with a NUL byte.
  if (path[0] == '@') address.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    spdlog::warn("telling systemd {}: socket: {}", state, std::strerror(errno));
    return;
  }
  auto address_length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  if (sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address),
             address_length) < 0) {
    spdlog::warn("telling systemd {} through {}: {}", state, path, std::strerror(errno));
  }
  close(fd);
}

}  // namespace gantry
