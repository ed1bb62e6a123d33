#include <doctest/doctest.h>

#include "bench/run_report.h"
#include "bench/server_metrics.h"

using gantry::bench::MetricSum;
using gantry::bench::PerSecondSeries;

TEST_CASE("the per-second series counts binds in each whole second, the cut-short last one left out") {
  CHECK(PerSecondSeries({0.1, 0.5, 1.2, 1.9, 1.95, 3.5, 4.1}) == std::vector<double>{2, 3, 0, 1});
  CHECK(PerSecondSeries({0.3}) == std::vector<double>{1});
  CHECK(PerSecondSeries({}).empty());
}

TEST_CASE("a metric is summed over its label sets, and only that name") {
  std::string text =
      "# TYPE gantry_binder_conflicts_total counter\n"
      "gantry_binder_conflicts_total{shard=\"0\"} 3\n"
      "gantry_binder_conflicts_total{shard=\"1\"} 4\n"
      "gantry_binder_conflicts_total_seconds 100\n"
      "process_cpu_seconds_total 12.5\n";
  CHECK(MetricSum(text, "gantry_binder_conflicts_total") == 7);
  CHECK(MetricSum(text, "process_cpu_seconds_total") == 12.5);
  CHECK(MetricSum(text, "absent") == 0);
}
