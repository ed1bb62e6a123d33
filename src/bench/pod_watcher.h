// Follows the pods of one namespace through a watch and records, with the
// client's clock, when each was first seen bound to a node and first seen
// Running, and counts pods seen bound to a second node. Each watch asks the
// server to end it within 2 s and is opened again from the last revision,
// so Stop() returns within that bound whatever the server does.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "ctl/api_client.h"

namespace gantry::bench {

class PodWatcher {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Until { kBound, kRunning };

  PodWatcher(ctl::ConnectionOptions connection, std::string ns, int64_t from, int expected, Until until);
  ~PodWatcher();

  void Start();
  // Waits until `expected` pods reached the `until` state, or the timeout.
  bool Wait(absl::Duration timeout);
  void Stop();
  // How many pods must reach the state (fewer than asked when creating stopped early).
  void SetExpected(int expected);
  int rebinds();

  absl::flat_hash_map<std::string, Clock::time_point> bound();
  absl::flat_hash_map<std::string, Clock::time_point> running();
  size_t count();

 private:
  void Run(std::stop_token stop);
  size_t Reached() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ctl::ConnectionOptions connection_;
  const std::string ns_;
  int64_t revision_;
  int expected_ ABSL_GUARDED_BY(mu_);
  const Until until_;
  std::atomic<bool> stopped_{false};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Clock::time_point> bound_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Clock::time_point> running_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> nodes_ ABSL_GUARDED_BY(mu_);
  int rebinds_ ABSL_GUARDED_BY(mu_) = 0;
  std::jthread thread_;
};

}  // namespace gantry::bench
