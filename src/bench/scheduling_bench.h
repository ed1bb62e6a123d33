// `gantry bench scheduling`: end-to-end scheduling throughput of a running
// server, gantry's or any Kubernetes-shaped one. Registers hollow nodes as
// API objects, creates pods through the HTTPS API from N clients (as fast as
// the API takes them, or at --rate), follows a watch until every pod is
// bound, checks the placement from the API, and reports pods/s from the first
// create to the last bind, its per-second series, create->bound latency
// percentiles and, from a gantry server's /metrics, its CPU, memory, binder
// conflicts and store commits (text, and --json). Uses a fresh namespace and
// removes it (and the nodes) afterwards unless --keep.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "ctl/api_client.h"

namespace gantry::bench {

struct SchedulingBenchOptions {
  ctl::ConnectionOptions connection;
  int nodes = 1000;
  int node_cpu = 32;
  int pods = 20000;
  int clients = 8;
  // Pods form gangs of this size (a PodGroup each, minMember = size); 0: single pods.
  int gang_size = 0;
  // The pods come from one Deployment of `pods` replicas (created at once)
  // instead of from the clients: measures the workload controllers too.
  bool deployment = false;
  bool keep = false;
  bool until_running = false;
  int timeout_seconds = 600;
  double rate = 0;            // pods/s offered; 0: as fast as the API takes them
  double duration_seconds = 0;  // stop creating after this long; 0: create all --pods
  std::string json_path;
  std::string node_shape;  // "cpu=32,memory=128Gi,pods=110"; empty: from node_cpu
  std::string pod_shape = "cpu=100m,memory=64Mi";
  std::string workload_path;
};

void AddSchedulingBench(CLI::App& bench, SchedulingBenchOptions& options);
int RunSchedulingBench(const SchedulingBenchOptions& options);

}  // namespace gantry::bench
