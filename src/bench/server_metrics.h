// What a gantry server's /metrics says about a bench run: CPU seconds, peak
// memory, binder conflicts, scheduling attempts, store commit batches. Read
// before and after the run; a server without these metrics (a real
// kube-apiserver) yields a sample with `gantry` false.
#pragma once

#include <absl/status/statusor.h>

#include <string>

#include "ctl/api_client.h"

namespace gantry::bench {

struct ServerSample {
  bool gantry = false;
  double cpu_seconds = 0;
  double peak_rss_bytes = 0;
  double conflicts = 0;
  double attempts = 0;
  double commits = 0;           // store commit batches
  double committed_writes = 0;  // their writes, summed
  double commit_seconds = 0;    // their durations, summed
};

ServerSample SampleServer(ctl::ApiClient& client);

// Sums the samples of `name` (every label set) in Prometheus text.
double MetricSum(const std::string& text, const std::string& name);

}  // namespace gantry::bench
