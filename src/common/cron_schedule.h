// A cron expression (minute hour day-of-month month day-of-week, as in
// crontab(5): numbers, *, ranges a-b, steps */n and a-b/n, lists a,b) and
// the next time it fires. Scheduled snapshots use it, as k3s's
// --etcd-snapshot-schedule-cron does.
#pragma once

#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <bitset>
#include <string>

namespace gantry {

class CronSchedule {
 public:
  // InvalidArgument names the field at fault.
  static absl::StatusOr<CronSchedule> Parse(const std::string& expression);

  // The first minute strictly after `after` that matches, in `zone`; as in
  // cron, when both day fields are restricted either may match.
  absl::Time Next(absl::Time after, absl::TimeZone zone) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0 = Sunday (7 is read as 0)
  bool day_of_month_restricted_ = false;
  bool day_of_week_restricted_ = false;
};

}  // namespace gantry
