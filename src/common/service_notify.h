// Readiness for service managers: systemd's Type=notify units learn that the
// process is up (and later that it is stopping) from a datagram on the socket
// named by $NOTIFY_SOCKET, the protocol sd_notify(3) documents.
#pragma once

#include <string_view>

namespace gantry {

// Sends `state` ("READY=1", "STOPPING=1", ...) to $NOTIFY_SOCKET. Without
// the variable (not started by a Type=notify unit) it does nothing; a send
// that fails is logged, never fatal.
void NotifyServiceManager(std::string_view state);

}  // namespace gantry
