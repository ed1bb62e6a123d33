#include "bench/pod_start_bench.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/time/clock.h>

#include <cstdio>
#include <vector>

#include "bench/bench_workload.h"
#include "bench/pod_watcher.h"

namespace gantry::bench {

void AddPodStartBench(CLI::App& bench, PodStartBenchOptions& o) {
  CLI::App* cmd = bench.add_subcommand("pod-start", "Bound -> Running latency of pods on one node's agent");
  cmd->add_option("--kubeconfig", o.connection.kubeconfig, "kubeconfig of the server to measure");
  cmd->add_option("--server", o.connection.server, "API server URL, overriding the kubeconfig");
  cmd->add_option("--token", o.connection.token, "bearer token, overriding the kubeconfig");
  cmd->add_option("--node", o.node, "Node whose agent runs the pods")->required();
  cmd->add_option("--pods", o.pods, "Pods to start (each runs sleep 3600)")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--clients", o.clients, "Concurrent creating clients")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--timeout", o.timeout_seconds, "Give up after this many seconds")->capture_default_str();
}

int RunPodStartBench(const PodStartBenchOptions& o) {
  auto admin = ctl::ApiClient::Connect(o.connection);
  if (!admin.ok()) {
    fprintf(stderr, "error: %s\n", std::string(admin.status().message()).c_str());
    return 1;
  }
  std::string ns = absl::StrCat("bench-start-", absl::ToUnixSeconds(absl::Now()));
  nlohmann::json namespace_object = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  auto created_ns = (*admin)->Call("POST", "/api/v1/namespaces", &namespace_object);
  if (!created_ns.ok()) {
    fprintf(stderr, "error: %s\n", std::string(created_ns.status().message()).c_str());
    return 1;
  }
  auto list = (*admin)->Call("GET", absl::StrCat("/api/v1/namespaces/", ns, "/pods"));
  int64_t from = list.ok() ? std::stoll((*list)["metadata"].value("resourceVersion", "0")) : 0;
  PodWatcher watcher(o.connection, ns, from, o.pods, PodWatcher::Until::kRunning);
  watcher.Start();

  std::string collection = absl::StrCat("/api/v1/namespaces/", ns, "/pods");
  absl::Status status = ForEachParallel(o.connection, o.clients, o.pods, [&](ctl::ApiClient& c, int i) {
    nlohmann::json pod = BenchPod(absl::StrCat("pod-", i));
    pod["spec"]["nodeSelector"] = {{"kubernetes.io/hostname", o.node}};
    pod["spec"]["containers"][0]["resources"]["requests"] = {{"cpu", "5m"}, {"memory", "8Mi"}};
    return c.Call("POST", collection, &pod).status();
  });
  int rc = 0;
  if (!status.ok()) {
    fprintf(stderr, "error: creating pods: %s\n", std::string(status.message()).c_str());
    rc = 1;
  } else if (!watcher.Wait(absl::Seconds(o.timeout_seconds))) {
    fprintf(stderr, "error: only %zu of %d pods Running within %d s\n", watcher.count(), o.pods, o.timeout_seconds);
    rc = 1;
  }
  watcher.Stop();
  auto bound = watcher.bound();
  std::vector<double> latency_ms;
  for (const auto& [name, at] : watcher.running()) {
    auto b = bound.find(name);
    if (b != bound.end()) latency_ms.push_back(std::chrono::duration<double, std::milli>(at - b->second).count());
  }
  size_t n = latency_ms.size();
  printf("%s", absl::StrFormat("pod-start: %zu pods on node %s: bound -> Running p50 %.1f ms, p99 %.1f ms\n", n,
                               o.node, Percentile(latency_ms, 0.5), Percentile(latency_ms, 0.99))
                   .c_str());
  (void)(*admin)->Call("DELETE", absl::StrCat("/api/v1/namespaces/", ns));
  return rc;
}

}  // namespace gantry::bench
