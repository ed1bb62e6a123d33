#include "common/stoppable_sleep.h"

#include <condition_variable>
#include <mutex>

namespace gantry {

bool SleepUnlessStopped(std::stop_token stop, absl::Duration duration) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  // Nothing notifies cv: only the timeout or the stop request ends the wait.
  cv.wait_for(lock, stop, absl::ToChronoNanoseconds(duration), [] { return false; });
  return !stop.stop_requested();
}

}  // namespace gantry
