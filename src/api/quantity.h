// Kubernetes resource quantities ("100m", "1.5", "512Mi", "2G", "1e3"),
// parsed exactly: the value is held as an integer mantissa with decimal and
// binary exponents, so "0.1" is one tenth, not a nearby double.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <string>
#include <absl/strings/string_view.h>

namespace gantry::api {

class Quantity {
 public:
  static absl::StatusOr<Quantity> Parse(absl::string_view text);

  // Rounded up like Kubernetes' Value() and MilliValue(); saturate at int64.
  int64_t Value() const;
  int64_t MilliValue() const;
  bool IsNegative() const { return negative_ && mantissa_ != 0; }

  friend bool operator==(const Quantity& a, const Quantity& b) { return a.Compare(b) == 0; }
  int Compare(const Quantity& other) const;

 private:
  // |value| = mantissa * 10^exp10 * 2^exp2
  int64_t ScaledCeil(int scale10) const;

  bool negative_ = false;
  __int128 mantissa_ = 0;
  int exp10_ = 0;
  int exp2_ = 0;
};

}  // namespace gantry::api
