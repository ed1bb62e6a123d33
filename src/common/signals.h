// Graceful shutdown: SIGTERM and SIGINT are taken synchronously (sigwait)
// by the main thread rather than by handlers.
#pragma once

#include <signal.h>

namespace gantry {

// Blocks SIGTERM and SIGINT for this thread and every thread it starts later,
// ignores SIGPIPE, and returns the set to sigwait on. Call before starting threads.
sigset_t BlockTerminationSignals();

// Tells the service manager the process is ready (READY=1), waits for
// SIGTERM or SIGINT, tells it the process is stopping (STOPPING=1), and
// returns the signal's name for the log. Call once the process serves.
const char* ServeUntilTerminated(const sigset_t& signals);

}  // namespace gantry
