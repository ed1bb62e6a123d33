#include "common/signals.h"

#include <pthread.h>

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

const char* WaitForTermination(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  return received == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace gantry
