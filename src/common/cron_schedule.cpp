#include "common/cron_schedule.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <vector>

namespace gantry {
namespace {

// Sets the values `field` names within [low, high] through `set`.
template <typename Set>
absl::Status ParseField(absl::string_view field, const char* what, int low, int high, Set set) {
  for (absl::string_view item : absl::StrSplit(field, ',')) {
    int step = 1;
    absl::string_view range = item;
    if (size_t slash = item.find('/'); slash != absl::string_view::npos) {
      if (!absl::SimpleAtoi(item.substr(slash + 1), &step) || step < 1) {
        return absl::InvalidArgumentError(absl::StrCat("cron ", what, " field \"", field, "\": bad step"));
      }
      range = item.substr(0, slash);
    }
    int from = low, to = high;
    if (range != "*") {
      std::vector<absl::string_view> bounds = absl::StrSplit(range, absl::MaxSplits('-', 1));
      bool numbers = absl::SimpleAtoi(bounds[0], &from);
      if (bounds.size() == 2) {
        numbers = numbers && absl::SimpleAtoi(bounds[1], &to);
      } else {
        // "5/15" runs from 5 to the end, every 15; a lone "5" is just 5.
        to = item.find('/') != absl::string_view::npos ? high : from;
      }
      if (!numbers) {
        return absl::InvalidArgumentError(absl::StrCat("cron ", what, " field \"", field, "\": not a number"));
      }
    }
    if (from < low || to > high || from > to) {
      return absl::InvalidArgumentError(
          absl::StrCat("cron ", what, " field \"", field, "\": out of range ", low, "-", high));
    }
    for (int v = from; v <= to; v += step) set(v);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CronSchedule> CronSchedule::Parse(const std::string& expression) {
  std::vector<absl::string_view> fields = absl::StrSplit(expression, ' ', absl::SkipEmpty());
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat("cron expression \"", expression,
                                                   "\": want 5 fields (minute hour day-of-month month day-of-week)"));
  }
  CronSchedule s;
  absl::Status status = ParseField(fields[0], "minute", 0, 59, [&](int v) { s.minutes_.set(v); });
  if (status.ok()) status = ParseField(fields[1], "hour", 0, 23, [&](int v) { s.hours_.set(v); });
  if (status.ok()) status = ParseField(fields[2], "day-of-month", 1, 31, [&](int v) { s.days_of_month_.set(v); });
  if (status.ok()) status = ParseField(fields[3], "month", 1, 12, [&](int v) { s.months_.set(v); });
  if (status.ok()) status = ParseField(fields[4], "day-of-week", 0, 7, [&](int v) { s.days_of_week_.set(v % 7); });
  if (!status.ok()) return status;
  s.day_of_month_restricted_ = fields[2] != "*";
  s.day_of_week_restricted_ = fields[4] != "*";
  return s;
}

absl::Time CronSchedule::Next(absl::Time after, absl::TimeZone zone) const {
  absl::CivilMinute minute = absl::ToCivilMinute(after, zone) + 1;
  // Every schedule that parses fires within four years (29 February included).
  for (int i = 0; i < 4 * 366 * 24 * 60; ++i, ++minute) {
    if (!months_[minute.month()]) {
      minute = absl::CivilMinute(absl::CivilMonth(minute) + 1) - 1;
      continue;
    }
    bool dom = days_of_month_[minute.day()];
    // absl counts Monday as 0, cron Sunday.
    bool dow = days_of_week_[(static_cast<int>(absl::GetWeekday(absl::CivilDay(minute))) + 1) % 7];
    bool day = day_of_month_restricted_ && day_of_week_restricted_ ? (dom || dow)
               : day_of_month_restricted_                         ? dom
               : day_of_week_restricted_                          ? dow
                                                                   : true;
    if (!day) {
      minute = absl::CivilMinute(absl::CivilDay(minute) + 1) - 1;
      continue;
    }
    if (!hours_[minute.hour()]) {
      minute = absl::CivilMinute(absl::CivilHour(minute) + 1) - 1;
      continue;
    }
    if (minutes_[minute.minute()]) return absl::FromCivil(minute, zone);
  }
  return absl::InfiniteFuture();
}

}  // namespace gantry
