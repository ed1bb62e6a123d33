#include "common/signals.h"

#include <pthread.h>

#include "common/service_notify.h"

namespace gantry {

sigset_t BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

const char* ServeUntilTerminated(const sigset_t& signals) {
  NotifyServiceManager("READY=1");
  int received = 0;
  sigwait(&signals, &received);
  NotifyServiceManager("STOPPING=1");
  return received == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace gantry
