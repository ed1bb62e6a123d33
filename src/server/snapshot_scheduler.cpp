#include "server/snapshot_scheduler.h"

#include <spdlog/spdlog.h>

#include "common/log_format.h"
#include "common/metrics.h"
#include "common/stoppable_sleep.h"
#include "store/snapshot.h"

namespace gantry::server {
namespace {

struct SnapshotMetrics {
  metrics::Family<metrics::Counter>& taken;
  metrics::Gauge& last_success;
};

SnapshotMetrics& Metrics() {
  static SnapshotMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    return new SnapshotMetrics{
        r.AddCounter("gantry_store_snapshots_total", "Scheduled store snapshots by result.", {"result"}),
        r.AddGauge("gantry_store_snapshot_last_success_timestamp_seconds",
                   "When the last scheduled snapshot was saved (Unix time).")
            .WithLabels({}),
    };
  }();
  return *m;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SnapshotScheduler>> SnapshotScheduler::Start(std::string db_path,
                                                                            SnapshotOptions options,
                                                                            std::function<absl::Time()> clock) {
  auto schedule = CronSchedule::Parse(options.schedule);
  if (!schedule.ok()) return schedule.status();
  if (options.retention < 1) return absl::InvalidArgumentError("--snapshot-retention must keep at least 1");
  std::unique_ptr<SnapshotScheduler> scheduler(
      new SnapshotScheduler(std::move(db_path), std::move(options), *std::move(schedule), std::move(clock)));
  scheduler->thread_ = std::jthread([s = scheduler.get()](std::stop_token stop) { s->Run(stop); });
  return scheduler;
}

SnapshotScheduler::SnapshotScheduler(std::string db_path, SnapshotOptions options, CronSchedule schedule,
                                     std::function<absl::Time()> clock)
    : db_path_(std::move(db_path)),
      options_(std::move(options)),
      schedule_(std::move(schedule)),
      clock_(std::move(clock)) {}

void SnapshotScheduler::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void SnapshotScheduler::Run(std::stop_token stop) {
  absl::TimeZone zone = absl::LocalTimeZone();
  while (!stop.stop_requested()) {
    absl::Time next = schedule_.Next(clock_(), zone);
    if (next == absl::InfiniteFuture()) {
      spdlog::warn("snapshots: the schedule \"{}\" never fires; no scheduled snapshots", options_.schedule);
      return;
    }
    spdlog::debug("snapshots: next at {}", absl::FormatTime(next, zone));
    // Short sleeps: a clock set forward is noticed within a minute.
    for (absl::Time now = clock_(); now < next; now = clock_()) {
      if (!SleepUnlessStopped(stop, std::min(next - now, absl::Minutes(1)))) return;
    }
    TakeOne();
  }
}

void SnapshotScheduler::TakeOne() {
  absl::Time now = clock_();
  auto saved = store::SaveSnapshotIn(db_path_, options_.dir, now);
  if (!saved.ok()) {
    spdlog::error("snapshots: saving into {} failed: {}", options_.dir, saved.status());
    Metrics().taken.WithLabels({"failure"}).Inc();
    return;
  }
  Metrics().taken.WithLabels({"success"}).Inc();
  Metrics().last_success.Set(absl::ToDoubleSeconds(now - absl::UnixEpoch()));
  spdlog::info("snapshots: saved {}", *saved);
  auto pruned = store::PruneSnapshots(options_.dir, options_.retention);
  if (!pruned.ok()) {
    spdlog::warn("snapshots: pruning {}: {}", options_.dir, pruned.status());
    return;
  }
  for (const store::SnapshotFile& old : *pruned) spdlog::info("snapshots: deleted {} (retention {})", old.path, options_.retention);
}

}  // namespace gantry::server
