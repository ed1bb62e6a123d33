// Scheduled snapshots of the store (k3s takes etcd snapshots every 12 hours
// and keeps 5; so does gantry by default): a thread that saves one each time
// the cron schedule fires and prunes the oldest beyond the retention.
#pragma once

#include <absl/time/clock.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/cron_schedule.h"

namespace gantry::server {

struct SnapshotOptions {
  std::string schedule = "0 */12 * * *";  // cron, in the machine's local time
  int retention = 5;                      // snapshots kept in `dir`
  std::string dir;                        // default: <data-dir>/snapshots
  bool disabled = false;
};

class SnapshotScheduler {
 public:
  // Starts the thread; the schedule must parse. `clock` is the wall clock
  // the schedule and the snapshot names follow (tests move it).
  static absl::StatusOr<std::unique_ptr<SnapshotScheduler>> Start(std::string db_path, SnapshotOptions options,
                                                                  std::function<absl::Time()> clock = absl::Now);
  void Stop();

 private:
  SnapshotScheduler(std::string db_path, SnapshotOptions options, CronSchedule schedule,
                    std::function<absl::Time()> clock);
  void Run(std::stop_token stop);
  void TakeOne();

  const std::string db_path_;
  const SnapshotOptions options_;
  const CronSchedule schedule_;
  const std::function<absl::Time()> clock_;
  std::jthread thread_;
};

}  // namespace gantry::server
