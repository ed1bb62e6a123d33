// What the benches create and how they summarise latencies.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace gantry::bench {

// A small pod (100m cpu, 64Mi memory), the unit of every bench.
nlohmann::json BenchPod(const std::string& name);
// A node of `cpu` cores, 4 GiB of memory per core and room for 110 pods.
nlohmann::json BenchNode(const std::string& name, int cpu);
// The p-quantile (0..1) of `v`, reordering it.
double Percentile(std::vector<double>& v, double p);

}  // namespace gantry::bench
