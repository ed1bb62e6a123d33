#include <doctest/doctest.h>

#include "common/cron_schedule.h"

using gantry::CronSchedule;

namespace {

absl::Time At(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

absl::Time Next(const char* expression, absl::Time after) {
  auto s = CronSchedule::Parse(expression);
  REQUIRE(s.ok());
  return s->Next(after, absl::UTCTimeZone());
}

}  // namespace

TEST_CASE("the default snapshot schedule fires at midnight and noon") {
  CHECK(Next("0 */12 * * *", At(2026, 12, 5, 10, 30)) == At(2026, 12, 5, 12, 0));
  CHECK(Next("0 */12 * * *", At(2026, 12, 5, 12, 0)) == At(2026, 12, 6, 0, 0));
  CHECK(Next("0 */12 * * *", At(2026, 12, 31, 23, 59)) == At(2027, 1, 1, 0, 0));
}

TEST_CASE("cron fields: lists, ranges, steps, months and weekdays") {
  CHECK(Next("*/15 * * * *", At(2026, 1, 1, 0, 7)) == At(2026, 1, 1, 0, 15));
  CHECK(Next("5,35 9-17 * * *", At(2026, 1, 1, 17, 36)) == At(2026, 1, 2, 9, 5));
  CHECK(Next("30 2 * * 0", At(2026, 12, 5, 0, 0)) == At(2026, 12, 6, 2, 30));  // Sunday
  CHECK(Next("30 2 * * 7", At(2026, 12, 5, 0, 0)) == At(2026, 12, 6, 2, 30));  // 7 is Sunday too
  CHECK(Next("0 0 1 */3 *", At(2026, 2, 10, 0, 0)) == At(2026, 4, 1, 0, 0));
  CHECK(Next("0 0 29 2 *", At(2026, 3, 1, 0, 0)) == At(2028, 2, 29, 0, 0));
  // Both day fields restricted: either matches, as in cron.
  CHECK(Next("0 0 13 * 5", At(2026, 12, 5, 0, 0)) == At(2026, 12, 11, 0, 0));
  CHECK(Next("10/20 * * * *", At(2026, 1, 1, 0, 31)) == At(2026, 1, 1, 0, 50));
}

TEST_CASE("a bad cron expression names its field") {
  auto fields = CronSchedule::Parse("0 12 * *");
  REQUIRE(!fields.ok());
  CHECK(std::string(fields.status().message()).find("5 fields") != std::string::npos);
  auto hour = CronSchedule::Parse("0 24 * * *");
  REQUIRE(!hour.ok());
  CHECK(std::string(hour.status().message()).find("hour") != std::string::npos);
  CHECK(!CronSchedule::Parse("x * * * *").ok());
  CHECK(!CronSchedule::Parse("*/0 * * * *").ok());
  CHECK(!CronSchedule::Parse("5-1 * * * *").ok());
  CHECK(CronSchedule::Parse("0 0 31 2 *")->Next(absl::Now(), absl::UTCTimeZone()) == absl::InfiniteFuture());
}
