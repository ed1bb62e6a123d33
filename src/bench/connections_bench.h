// `gantry bench connections`: what open watches and idle keep-alive
// connections cost the API. Opens N watches and M idle authenticated
// connections, then measures GET and POST latency from another client while
// they stay open, and checks the watches saw every POST.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "ctl/api_client.h"

namespace gantry::bench {

struct ConnectionsBenchOptions {
  ctl::ConnectionOptions connection;
  int watches = 10000;
  int idle = 1000;
  int requests = 1000;  // GETs and as many POSTs
  int parallel_opens = 128;
  // Watch the namespace the POSTs go to, so every watch receives every POST;
  // otherwise they watch another namespace, as agents watch their own pods.
  bool fanout = false;
  std::string namespace_ = "bench-connections";
};

void AddConnectionsBench(CLI::App& bench, ConnectionsBenchOptions& options);
int RunConnectionsBench(const ConnectionsBenchOptions& options);

}  // namespace gantry::bench
