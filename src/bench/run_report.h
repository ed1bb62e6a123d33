// The summary of one `gantry bench scheduling` run, as text for people and
// as JSON (--json) for scripts and docs/benchmarks.md.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "bench/placement_check.h"
#include "bench/server_metrics.h"

namespace gantry::bench {

struct RunReport {
  std::string what = "bound";  // or "Running"
  std::string shape;           // "in gangs of 8", "of one Deployment scaled from 0", ...
  int nodes = 0;
  int pods = 0;       // asked for
  int created = 0;    // created (fewer when --duration ended the creates)
  int clients = 0;
  double offered_rate = 0;  // --rate, 0: as fast as the API takes them
  double create_seconds = 0;
  size_t reached = 0;       // pods that got bound (or Running)
  double e2e_seconds = 0;   // first create to last bind
  double tail_ms = 0;       // last create to last bind
  std::vector<double> latency_ms;  // create -> bound, per pod
  std::vector<double> per_second;  // binds in each whole second of the run
  int rebinds = 0;                 // pods seen bound to a second node
  ServerSample before, after;
  PlacementCheck check;

  double CreatedPerSecond() const;
  double E2ePodsPerSecond() const;
  int Violations() const { return check.violations + rebinds; }
  std::string Text() const;
  nlohmann::json Json() const;
};

// Binds in each whole second from `start_seconds` (the first create) on, given
// each pod's bind time in seconds since then.
std::vector<double> PerSecondSeries(const std::vector<double>& bound_seconds);

}  // namespace gantry::bench
