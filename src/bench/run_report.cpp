#include "bench/run_report.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <algorithm>
#include <cmath>

#include "bench/bench_workload.h"

namespace gantry::bench {
namespace {

double Quantile(std::vector<double> values, double p) { return values.empty() ? 0 : Percentile(values, p); }

}  // namespace

std::vector<double> PerSecondSeries(const std::vector<double>& bound_seconds) {
  std::vector<double> series;
  for (double t : bound_seconds) {
    size_t second = static_cast<size_t>(std::max(0.0, std::floor(t)));
    if (second >= series.size()) series.resize(second + 1, 0);
    ++series[second];
  }
  // The last second is cut short by the end of the run: it does not count.
  if (series.size() > 1) series.pop_back();
  return series;
}

double RunReport::CreatedPerSecond() const { return create_seconds > 0 ? created / create_seconds : 0; }

double RunReport::E2ePodsPerSecond() const { return e2e_seconds > 0 ? reached / e2e_seconds : 0; }

std::string RunReport::Text() const {
  std::string out = absl::StrFormat(
      "scheduling: %d nodes, %d pods%s, %d clients%s: %zu %s in %.2f s from first create to the last = %.0f pods/s\n"
      "  creates: %d in %.2f s = %.0f/s\n"
      "  per-second %s: p50 %.0f, p99 %.0f, p1 %.0f (over %zu s)\n"
      "  create->%s ms: p50 %.1f, p90 %.1f, p99 %.1f, max %.1f; last create->last %s %.1f ms\n"
      "  violations: %d",
      nodes, pods, shape.empty() ? "" : absl::StrCat(" ", shape), clients,
      offered_rate > 0 ? absl::StrFormat(", offered %.0f/s", offered_rate) : ", as fast as the API takes them", reached,
      what, e2e_seconds, E2ePodsPerSecond(), created, create_seconds, CreatedPerSecond(), what,
      Quantile(per_second, 0.5), Quantile(per_second, 0.99), Quantile(per_second, 0.01), per_second.size(), what, Quantile(latency_ms, 0.5),
      Quantile(latency_ms, 0.9), Quantile(latency_ms, 0.99), Quantile(latency_ms, 1.0), what, tail_ms, Violations());
  for (const std::string& example : check.examples) absl::StrAppend(&out, "\n    ", example);
  if (rebinds > 0) absl::StrAppend(&out, "\n    ", rebinds, " pods were seen bound to a second node");
  if (after.gantry) {
    double commits = after.commits - before.commits;
    absl::StrAppend(&out, absl::StrFormat(
                              "\n  server: %.1f CPU s (%.2f ms per pod), peak RSS %.0f MiB; binder conflicts %.0f, "
                              "scheduling attempts %.0f; store commits %.0f of %.1f writes each, %.2f ms each",
                              after.cpu_seconds - before.cpu_seconds,
                              reached > 0 ? 1000 * (after.cpu_seconds - before.cpu_seconds) / reached : 0,
                              after.peak_rss_bytes / (1 << 20), after.conflicts - before.conflicts,
                              after.attempts - before.attempts, commits,
                              commits > 0 ? (after.committed_writes - before.committed_writes) / commits : 0,
                              commits > 0 ? 1000 * (after.commit_seconds - before.commit_seconds) / commits : 0));
  }
  return out + "\n";
}

nlohmann::json RunReport::Json() const {
  nlohmann::json out = {
      {"nodes", nodes},
      {"pods", pods},
      {"created", created},
      {"clients", clients},
      {"offered_rate", offered_rate},
      {"reached", reached},
      {"until", what},
      // A Deployment's pods are created by its controller, not timed here.
      {"created_per_second", create_seconds > 0 ? nlohmann::json(CreatedPerSecond()) : nlohmann::json()},
      {"e2e_seconds", e2e_seconds},
      {"e2e_pods_per_second", E2ePodsPerSecond()},
      {"per_second",
       {{"p50", Quantile(per_second, 0.5)},
        {"p99", Quantile(per_second, 0.99)},
        {"p1", Quantile(per_second, 0.01)},
        {"series", per_second}}},
      {"latency_ms",
       {{"p50", Quantile(latency_ms, 0.5)},
        {"p90", Quantile(latency_ms, 0.9)},
        {"p99", Quantile(latency_ms, 0.99)},
        {"max", Quantile(latency_ms, 1.0)}}},
      {"violations", Violations()},
      {"violation_examples", check.examples},
  };
  if (after.gantry) {
    double commits = after.commits - before.commits;
    out["conflicts"] = after.conflicts - before.conflicts;
    out["scheduling_attempts"] = after.attempts - before.attempts;
    out["server_cpu_seconds"] = after.cpu_seconds - before.cpu_seconds;
    out["server_peak_rss_bytes"] = after.peak_rss_bytes;
    out["store_commits"] = commits;
    out["store_writes_per_commit"] = commits > 0 ? (after.committed_writes - before.committed_writes) / commits : 0;
    out["store_commit_ms"] = commits > 0 ? 1000 * (after.commit_seconds - before.commit_seconds) / commits : 0;
  } else {
    // Not a gantry server: what only its /metrics tells is unknown.
    for (const char* key : {"conflicts", "server_cpu_seconds", "server_peak_rss_bytes"}) out[key] = nullptr;
  }
  return out;
}

}  // namespace gantry::bench
