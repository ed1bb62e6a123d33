// `gantry bench api`: acknowledged write throughput of a running server
// through its HTTPS API, from N concurrent clients.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "ctl/api_client.h"

namespace gantry::bench {

struct ApiBenchOptions {
  ctl::ConnectionOptions connection;
  std::string operation = "create";  // create | update
  int clients = 1;
  int count = 2000;                  // operations in total
  std::string namespace_ = "default";
  std::string prefix = "bench";
  std::string ack_log;               // appends "NAME RESOURCEVERSION" per acknowledged write
};

void AddBenchCommands(CLI::App& bench, ApiBenchOptions& options);
int RunBench(const CLI::App& bench, const ApiBenchOptions& options);

}  // namespace gantry::bench
