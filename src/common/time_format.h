#pragma once

#include <absl/time/clock.h>
#include <absl/time/time.h>

#include <optional>
#include <string>
#include <absl/strings/string_view.h>

namespace gantry {

// RFC 3339 in UTC with second precision, as Kubernetes stamps metadata.
std::string Rfc3339(absl::Time t);
std::string NowRfc3339();
// With exactly six fractional digits: Kubernetes' MicroTime (Event series
// and eventTime), which clients parse with no other precision.
std::string Rfc3339Micro(absl::Time t);
std::optional<absl::Time> ParseRfc3339(absl::string_view text);
// kubectl's short ages: "45s", "3m20s", "5h", "12d".
std::string HumanDuration(absl::Duration d);
// Age of a timestamp for printing; "<unknown>" when absent.
std::string AgeOf(absl::string_view rfc3339);

}  // namespace gantry
