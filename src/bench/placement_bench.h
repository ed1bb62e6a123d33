// `gantry bench placement`: the per-pod cost of the scheduling core (filter,
// score, choose) over an in-memory node table, without the API or the store.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace gantry::bench {

struct PlacementBenchOptions {
  int nodes = 1000;
  int pods = 20000;
  std::string profile;  // YAML profile file; empty: the default profile
  int seed = 1;
};

void AddPlacementBench(CLI::App& bench, PlacementBenchOptions& options);
int RunPlacementBench(const PlacementBenchOptions& options);

}  // namespace gantry::bench
