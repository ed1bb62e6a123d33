// Graceful shutdown: SIGTERM and SIGINT are taken synchronously (sigwait)
// by the main thread rather than by handlers.
#pragma once

#include <signal.h>

namespace gantry {

// Blocks SIGTERM and SIGINT for this thread and every thread it starts later,
// ignores SIGPIPE, and returns the set to sigwait on. Call before starting threads.
sigset_t BlockTerminationSignals();

// Waits for SIGTERM or SIGINT; returns its name for the log.
const char* WaitForTermination(const sigset_t& signals);

}  // namespace gantry
