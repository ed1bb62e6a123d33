#include "bench/server_metrics.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

namespace gantry::bench {

double MetricSum(const std::string& text, const std::string& name) {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, name)) continue;
    // The name must end here: "x_total" is not "x_total_seconds".
    if (!line.empty() && line[0] != ' ' && line[0] != '{') continue;
    size_t space = line.rfind(' ');
    double value = 0;
    if (space != absl::string_view::npos && absl::SimpleAtod(line.substr(space + 1), &value)) total += value;
  }
  return total;
}

ServerSample SampleServer(ctl::ApiClient& client) {
  std::string text;
  absl::Status read = client.StreamRaw("/metrics", "text/plain", [&](absl::string_view chunk) {
    text.append(chunk.data(), chunk.size());
    return text.size() < (64 << 20);
  });
  ServerSample sample;
  sample.gantry = read.ok() && text.find("gantry_build_info") != std::string::npos;
  if (!sample.gantry) return sample;
  sample.cpu_seconds = MetricSum(text, "process_cpu_seconds_total");
  sample.peak_rss_bytes = MetricSum(text, "gantry_process_peak_resident_memory_bytes");
  sample.conflicts = MetricSum(text, "gantry_binder_conflicts_total");
  sample.attempts = MetricSum(text, "gantry_scheduler_attempts_total");
  sample.commits = MetricSum(text, "gantry_store_commit_batch_size_count");
  sample.committed_writes = MetricSum(text, "gantry_store_commit_batch_size_sum");
  sample.commit_seconds = MetricSum(text, "gantry_store_commit_duration_seconds_sum");
  return sample;
}

}  // namespace gantry::bench
