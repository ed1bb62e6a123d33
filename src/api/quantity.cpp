#include "api/quantity.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>

#include <limits>

namespace gantry::api {
namespace {

constexpr __int128 kLimit = static_cast<__int128>(1) << 120;

struct Suffix {
  absl::string_view text;
  int exp10;
  int exp2;
};

constexpr Suffix kSuffixes[] = {
    {"", 0, 0},     {"n", -9, 0},   {"u", -6, 0},   {"m", -3, 0},   {"k", 3, 0},
    {"M", 6, 0},    {"G", 9, 0},    {"T", 12, 0},   {"P", 15, 0},   {"E", 18, 0},
    {"Ki", 0, 10},  {"Mi", 0, 20},  {"Gi", 0, 30},  {"Ti", 0, 40},  {"Pi", 0, 50},
    {"Ei", 0, 60},
};

absl::Status Invalid(absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("quantities must match the regular expression "
                   "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got \"",
                   text, "\")"));
}

}  // namespace

absl::StatusOr<Quantity> Quantity::Parse(absl::string_view text) {
  Quantity q;
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    q.negative_ = text[i] == '-';
    ++i;
  }
  bool digits = false;
  bool seen_point = false;
  int fraction_digits = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      if (q.mantissa_ < kLimit) {
        q.mantissa_ = q.mantissa_ * 10 + (c - '0');
        if (seen_point) ++fraction_digits;
      } else if (!seen_point) {
        return absl::InvalidArgumentError(absl::StrCat("quantity \"", text, "\" is too large"));
      }
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!digits) return Invalid(text);
  absl::string_view suffix = text.substr(i);
  q.exp10_ = -fraction_digits;
  bool matched = false;
  for (const Suffix& s : kSuffixes) {
    if (suffix == s.text) {
      q.exp10_ += s.exp10;
      q.exp2_ = s.exp2;
      matched = true;
      break;
    }
  }
  if (!matched && suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    int exponent;
    absl::string_view rest = suffix.substr(1);
    bool well_formed = !rest.empty() && rest.find_first_not_of("+-0123456789") == absl::string_view::npos &&
                       rest.find_first_of("0123456789") != absl::string_view::npos;
    if (well_formed && absl::SimpleAtoi(rest, &exponent) && exponent > -100 && exponent < 100) {
      q.exp10_ += exponent;
      matched = true;
    }
  }
  if (!matched) return Invalid(text);
  return q;
}

int64_t Quantity::ScaledCeil(int scale10) const {
  // value / 10^scale10, rounded away from zero as Kubernetes does for Value().
  __int128 num = mantissa_;
  int e10 = exp10_ - scale10;
  int e2 = exp2_;
  constexpr __int128 kMax = std::numeric_limits<int64_t>::max();
  auto saturated = [&] { return negative_ ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max(); };
  for (; e2 > 0; --e2) {
    num *= 2;
    if (num > kMax) return saturated();
  }
  for (; e10 > 0; --e10) {
    num *= 10;
    if (num > kMax) return saturated();
  }
  __int128 den = 1;
  for (; e10 < 0; ++e10) {
    den *= 10;
    if (den > kLimit) return 0 + (num != 0 ? (negative_ ? -1 : 1) : 0);
  }
  __int128 result = num / den + (num % den != 0 ? 1 : 0);
  if (result > kMax) return saturated();
  return static_cast<int64_t>(negative_ ? -result : result);
}

int64_t Quantity::Value() const { return ScaledCeil(0); }
int64_t Quantity::MilliValue() const { return ScaledCeil(-3); }

int Quantity::Compare(const Quantity& other) const {
  // Nano precision is exact for every quantity that passes validation.
  int64_t a = ScaledCeil(-9);
  int64_t b = other.ScaledCeil(-9);
  if (a == b) {
    int64_t av = Value();
    int64_t bv = other.Value();
    return av < bv ? -1 : (av > bv ? 1 : 0);
  }
  return a < b ? -1 : 1;
}

}  // namespace gantry::api
