#include "bench/scheduling_bench.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/clock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench/bench_workload.h"
#include "bench/pod_watcher.h"

namespace gantry::bench {
namespace {

using Clock = std::chrono::steady_clock;

int Fail(const std::string& what, const absl::Status& status) {
  fprintf(stderr, "error: %s: %s\n", what.c_str(), std::string(status.message()).c_str());
  return 1;
}

}  // namespace

void AddSchedulingBench(CLI::App& bench, SchedulingBenchOptions& o) {
  CLI::App* cmd = bench.add_subcommand(
      "scheduling", "End-to-end pods/s: create pods through the API, wait until the scheduler has bound them all");
  cmd->add_option("--kubeconfig", o.connection.kubeconfig, "kubeconfig of the server to measure");
  cmd->add_option("--server", o.connection.server, "API server URL, overriding the kubeconfig");
  cmd->add_option("--token", o.connection.token, "bearer token, overriding the kubeconfig");
  cmd->add_option("--nodes", o.nodes,
                  "Nodes to register as plain API objects; 0 uses the nodes the cluster already has (e.g. a fleet "
                  "from gantry agent --simulate)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cmd->add_option("--node-cpu", o.node_cpu, "Cores per node (4 GiB of memory per core, 110 pods)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--pods", o.pods, "Pods to create (100m cpu, 64Mi each)")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  cmd->add_option("--clients", o.clients, "Concurrent creating clients")->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--gang-size", o.gang_size,
                  "Pods form gangs of this size, each with a scheduling.gantry.io PodGroup (minMember = size); "
                  "0 creates single pods")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  cmd->add_option("--timeout", o.timeout_seconds, "Give up after this many seconds of waiting for bindings")
      ->capture_default_str();
  cmd->add_flag("--deployment", o.deployment,
                "Scale one Deployment from 0 to --pods replicas instead of creating the pods: its controllers "
                "create them (timed from the scale request)");
  cmd->add_flag("--keep", o.keep, "Keep the bench namespace and nodes afterwards");
  cmd->add_flag("--until-running", o.until_running,
                "Wait until agents report every pod Running, not just bound (needs agents, e.g. simulated)");
}

int RunSchedulingBench(const SchedulingBenchOptions& o) {
  auto admin = ctl::ApiClient::Connect(o.connection);
  if (!admin.ok()) return Fail("connect", admin.status());
  std::string run = absl::StrCat(absl::ToUnixSeconds(absl::Now()));
  std::string ns = absl::StrCat("bench-", run);
  nlohmann::json namespace_object = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  if (auto s = (*admin)->Call("POST", "/api/v1/namespaces", &namespace_object); !s.ok()) {
    return Fail("creating namespace " + ns, s.status());
  }

  auto node_name = [&](int i) { return absl::StrCat("bench-", run, "-node-", i); };
  auto t_nodes = Clock::now();
  absl::Status nodes = ForEachParallel(o.connection, o.clients, o.nodes, [&](ctl::ApiClient& c, int i) {
    nlohmann::json node = BenchNode(node_name(i), o.node_cpu);
    return c.Call("POST", "/api/v1/nodes", &node).status();
  });
  if (!nodes.ok()) return Fail("registering nodes", nodes);
  double node_seconds = std::chrono::duration<double>(Clock::now() - t_nodes).count();
  fprintf(stderr, "registered %d nodes in %.1f s\n", o.nodes, node_seconds);

  auto list = (*admin)->Call("GET", absl::StrCat("/api/v1/namespaces/", ns, "/pods"));
  if (!list.ok()) return Fail("listing pods", list.status());
  int64_t from = std::stoll((*list)["metadata"].value("resourceVersion", "0"));
  PodWatcher watcher(o.connection, ns, from, o.pods,
                     o.until_running ? PodWatcher::Until::kRunning : PodWatcher::Until::kBound);
  watcher.Start();

  const int gangs = o.gang_size > 0 ? (o.pods + o.gang_size - 1) / o.gang_size : 0;
  absl::Status groups = ForEachParallel(o.connection, o.clients, gangs, [&](ctl::ApiClient& c, int g) {
    int size = std::min(o.gang_size, o.pods - g * o.gang_size);
    nlohmann::json group = {{"apiVersion", "scheduling.gantry.io/v1alpha1"},
                            {"kind", "PodGroup"},
                            {"metadata", {{"name", absl::StrCat("gang-", g)}}},
                            {"spec", {{"minMember", size}}}};
    return c.Call("POST", absl::StrCat("/apis/scheduling.gantry.io/v1alpha1/namespaces/", ns, "/podgroups"), &group)
        .status();
  });
  if (!groups.ok()) return Fail("creating pod groups", groups);

  if (o.deployment) {
    if (auto s = CreateBenchDeployment(**admin, ns); !s.ok()) return Fail("creating the Deployment", s);
  }
  std::vector<Clock::time_point> created(static_cast<size_t>(o.pods));
  std::string collection = absl::StrCat("/api/v1/namespaces/", ns, "/pods");
  auto first_create = Clock::now();
  absl::Status pods = o.deployment ? ScaleBenchDeployment(**admin, ns, o.pods) : absl::OkStatus();
  if (o.deployment) std::fill(created.begin(), created.end(), first_create);
  if (!o.deployment) pods = ForEachParallel(o.connection, o.clients, o.pods, [&](ctl::ApiClient& c, int i) {
    nlohmann::json pod = BenchPod(absl::StrCat("pod-", i));
    if (o.gang_size > 0) {
      pod["metadata"]["labels"]["scheduling.gantry.io/pod-group"] = absl::StrCat("gang-", i / o.gang_size);
    }
    auto s = c.Call("POST", collection, &pod).status();
    created[static_cast<size_t>(i)] = Clock::now();
    return s;
  });
  if (!pods.ok()) return Fail("creating pods", pods);
  auto last_create = Clock::now();
  double create_seconds = std::chrono::duration<double>(last_create - first_create).count();
  fprintf(stderr, "created %d pods in %.1f s (%.0f/s); %zu bound so far\n", o.pods, create_seconds,
          o.pods / create_seconds, watcher.count());

  bool all = watcher.Wait(absl::Seconds(o.timeout_seconds));
  watcher.Stop();
  auto bound = o.until_running ? watcher.running() : watcher.bound();
  Clock::time_point last_bind = first_create;
  std::vector<double> latency_ms;
  latency_ms.reserve(bound.size());
  for (const auto& [name, at] : bound) {
    last_bind = std::max(last_bind, at);
    // A Deployment's pods count from the Deployment's creation.
    size_t index = o.deployment ? 0 : static_cast<size_t>(std::stoi(name.substr(4)));
    latency_ms.push_back(std::chrono::duration<double, std::milli>(at - created[index]).count());
  }
  double seconds = std::chrono::duration<double>(last_bind - first_create).count();
  const char* what = o.until_running ? "Running" : "bound";
  int node_count = o.nodes;
  if (node_count == 0) {
    auto nodes_now = (*admin)->Call("GET", "/api/v1/nodes");
    node_count = nodes_now.ok() ? static_cast<int>((*nodes_now)["items"].size()) : 0;
  }
  double tail_ms = std::chrono::duration<double, std::milli>(std::max(last_bind, last_create) - last_create).count();
  printf("%s", absl::StrFormat("scheduling: %d nodes, %d pods%s%s, %d clients: %zu %s in %.2f s from first create "
                               "to the last = %.0f pods/s%s; create->%s p50 %.1f ms, "
                               "p99 %.1f ms; last create->last %s %.1f ms\n",
                               node_count, o.pods,
                               o.gang_size > 0 ? absl::StrCat(" in gangs of ", o.gang_size) : std::string(),
                               o.deployment ? " of one Deployment scaled from 0" : "", o.clients, bound.size(), what, seconds, bound.size() / seconds,
                               o.deployment ? "" : absl::StrFormat(" (creates alone: %.0f/s)", o.pods / create_seconds),
                               what, Percentile(latency_ms, 0.5), Percentile(latency_ms, 0.99), what, tail_ms)
                   .c_str());
  if (!all) fprintf(stderr, "error: only %zu of %d pods were %s within %d s\n", bound.size(), o.pods, what, o.timeout_seconds);

  if (!o.keep) {
    (void)(*admin)->Call("DELETE", absl::StrCat("/api/v1/namespaces/", ns));
    (void)ForEachParallel(o.connection, o.clients, o.nodes, [&](ctl::ApiClient& c, int i) {
      (void)c.Call("DELETE", absl::StrCat("/api/v1/nodes/", node_name(i)));
      return absl::OkStatus();
    });
  }
  return all ? 0 : 1;
}

}  // namespace gantry::bench
