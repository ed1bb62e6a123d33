#include "bench/progress_line.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

namespace gantry::bench {

ProgressLine::ProgressLine(std::function<std::string(double)> describe) {
  if (isatty(STDERR_FILENO) == 0) return;
  thread_ = std::jthread([describe = std::move(describe)](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any tick;
    auto last = std::chrono::steady_clock::now();
    std::unique_lock lock(mu);
    while (!tick.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; })) {
      auto now = std::chrono::steady_clock::now();
      std::string line = describe(std::chrono::duration<double>(now - last).count());
      last = now;
      fprintf(stderr, "\r\033[K%s", line.c_str());
      fflush(stderr);
    }
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
  });
}

ProgressLine::~ProgressLine() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace gantry::bench
