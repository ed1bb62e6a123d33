// `gantry bench pod-start`: how fast a node's agent starts pods. Creates N
// pods pinned to one node (nodeSelector on its hostname label) through the
// API and reports, per pod, the time from the watch showing it bound to the
// watch showing it Running: p50 and p99. Removes its namespace afterwards.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "ctl/api_client.h"

namespace gantry::bench {

struct PodStartBenchOptions {
  ctl::ConnectionOptions connection;
  std::string node;
  int pods = 200;
  int clients = 4;
  int timeout_seconds = 300;
};

void AddPodStartBench(CLI::App& bench, PodStartBenchOptions& options);
int RunPodStartBench(const PodStartBenchOptions& options);

}  // namespace gantry::bench
