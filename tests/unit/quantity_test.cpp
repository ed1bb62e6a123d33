#include <doctest/doctest.h>

#include "api/quantity.h"

using gantry::api::Quantity;

namespace {
Quantity Q(const char* text) {
  auto q = Quantity::Parse(text);
  REQUIRE_MESSAGE(q.ok(), text);
  return *q;
}
}  // namespace

TEST_CASE("quantities parse exactly as Kubernetes parses them") {
  struct Case {
    const char* text;
    int64_t milli;
    int64_t value;
  };
  const Case cases[] = {
      {"100m", 100, 1},          {"1.5", 1500, 2},        {"512Mi", 536870912000, 536870912},
      {"2G", 2000000000000, 2000000000}, {"1e3", 1000000, 1000},  {"1E3", 1000000, 1000},
      {"0", 0, 0},               {"1Ki", 1024000, 1024},  {"250u", 1, 1},
      {"1k", 1000000, 1000},     {".5", 500, 1},          {"5.", 5000, 5},
      {"+2", 2000, 2},           {"1n", 1, 1},            {"0.1", 100, 1},
      {"1Gi", 1073741824000, 1073741824},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    Quantity q = Q(c.text);
    CHECK(q.MilliValue() == c.milli);
    CHECK(q.Value() == c.value);
  }
}

TEST_CASE("malformed quantities are rejected") {
  for (const char* bad : {"", "abc", "1x", "5Mi5", "1.5.5", "1 Gi", "Mi", "1e", "--1", "1ee3", "m"}) {
    CAPTURE(bad);
    CHECK_FALSE(Quantity::Parse(bad).ok());
  }
}

TEST_CASE("quantities compare by value, not by spelling") {
  CHECK(Q("1") == Q("1000m"));
  CHECK(Q("1Ki") == Q("1024"));
  CHECK(Q("1G").Compare(Q("1Gi")) < 0);
  CHECK(Q("100m").Compare(Q("0.1")) == 0);
  CHECK(Q("-1").IsNegative());
  CHECK_FALSE(Q("0").IsNegative());
}
