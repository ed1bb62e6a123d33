// Sleeping in an owned thread without delaying its stop: returns early
// when the stop token is triggered.
#pragma once

#include <absl/time/time.h>

#include <stop_token>

namespace gantry {

// Sleeps for `duration` or until `stop` is requested; false when stopped.
bool SleepUnlessStopped(std::stop_token stop, absl::Duration duration);

}  // namespace gantry
