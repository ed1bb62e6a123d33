// What the benches create and how they summarise latencies.
#pragma once

#include <absl/status/status.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include <string>
#include <vector>

#include "ctl/api_client.h"

namespace gantry::bench {

inline constexpr char kZoneLabel[] = "topology.kubernetes.io/zone";

// A pod running `sleep 3600` with these requests; by default small (100m
// cpu, 64Mi memory), the unit of every bench.
nlohmann::json BenchPod(const std::string& name, const std::map<std::string, std::string>& requests = {
                                                     {"cpu", "100m"}, {"memory", "64Mi"}});
// A Ready node with these allocatable resources, in one of three zones by its index.
nlohmann::json BenchNode(const std::string& name, int index, const std::map<std::string, std::string>& allocatable);
// Deployment "bench" of BenchPods in `ns`, with 0 replicas, once its controller has taken it.
absl::Status CreateBenchDeployment(ctl::ApiClient& client, const std::string& ns);
// Scales it through the scale subresource, as `kubectl scale` does.
absl::Status ScaleBenchDeployment(ctl::ApiClient& client, const std::string& ns, int replicas);
// Runs `count` calls of `op(client, i)` spread over `clients` connections,
// each with its own; stops at and returns the first error.
template <typename Op>
absl::Status ForEachParallel(const ctl::ConnectionOptions& connection, int clients, int count, Op op) {
  absl::Mutex mu;
  absl::Status first = absl::OkStatus();
  std::atomic<int> next{0};
  {
    std::vector<std::jthread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&] {
        auto client = ctl::ApiClient::Connect(connection);
        absl::Status status = client.status();
        for (int i = next++; status.ok() && i < count; i = next++) status = op(**client, i);
        if (!status.ok()) {
          absl::MutexLock lock(&mu);
          if (first.ok()) first = status;
          next = count;
        }
      });
    }
  }
  return first;
}

// The p-quantile (0..1) of `v`, reordering it.
double Percentile(std::vector<double>& v, double p);

}  // namespace gantry::bench
