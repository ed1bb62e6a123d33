#include "bench/scheduling_bench.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/clock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "bench/bench_workload.h"
#include "bench/placement_check.h"
#include "bench/pod_watcher.h"
#include "bench/progress_line.h"
#include "bench/run_report.h"
#include "bench/server_metrics.h"
#include "bench/workload_mix.h"
#include "common/files.h"

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
  cmd->add_option("--node-shape", o.node_shape,
                  "Each node's allocatable resources, e.g. cpu=32,memory=128Gi,pods=110 (overrides --node-cpu)");
  cmd->add_option("--pod-shape", o.pod_shape, "Each pod's requests, e.g. cpu=100m,memory=64Mi")->capture_default_str();
  cmd->add_option("--workload", o.workload_path,
                  "YAML mix of pod kinds (weights, requests, priority classes, gangs, zone spread); see "
                  "configs/examples/bench-workload.yaml")
      ->check(CLI::ExistingFile);
  cmd->add_option("--gang-size", o.gang_size,
                  "Pods form gangs of this size, each with a scheduling.gantry.io PodGroup (minMember = size); "
                  "0 creates single pods")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  cmd->add_option("--timeout", o.timeout_seconds, "Give up after this many seconds of waiting for bindings")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  cmd->add_option("--rate", o.rate, "Pods created per second, spread over the clients; 0: as fast as the API takes them")
      ->check(CLI::Range(0.0, 1e7))
      ->capture_default_str();
  cmd->add_option("--duration", o.duration_seconds,
                  "Stop creating pods after this many seconds (fewer than --pods then count); 0: no limit")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->add_option("--json", o.json_path, "Also write the summary as JSON to this file");
  cmd->add_flag("--deployment", o.deployment,
                "Scale one Deployment from 0 to --pods replicas instead of creating the pods: its controllers "
                "create them (timed from the scale request)");
  cmd->add_flag("--keep", o.keep, "Keep the bench namespace and nodes afterwards");
  cmd->add_flag("--until-running", o.until_running,
                "Wait until agents report every pod Running, not just bound (needs agents, e.g. simulated)");
}

int RunSchedulingBench(const SchedulingBenchOptions& o) {
  std::map<std::string, std::string> node_shape = {
      {"cpu", std::to_string(o.node_cpu)}, {"memory", absl::StrCat(o.node_cpu * 4, "Gi")}, {"pods", "110"}};
  if (!o.node_shape.empty()) {
    auto shape = ParseShape(o.node_shape);
    if (!shape.ok()) return Fail("--node-shape", shape.status());
    for (const auto& [resource, quantity] : *shape) node_shape[resource] = quantity;
  }
  WorkloadMix mix;
  if (!o.workload_path.empty()) {
    auto loaded = LoadWorkloadMix(o.workload_path);
    if (!loaded.ok()) return Fail("--workload", loaded.status());
    mix = *std::move(loaded);
  } else {
    auto shape = ParseShape(o.pod_shape);
    if (!shape.ok()) return Fail("--pod-shape", shape.status());
    mix.kinds.push_back({.weight = 1, .requests = *shape, .priority_class = "", .gang = o.gang_size, .zone_spread = 0});
  }
  const std::vector<PlannedPod> plan = PlanPods(mix, o.pods);
  auto admin = ctl::ApiClient::Connect(o.connection);
  if (!admin.ok()) return Fail("connect", admin.status());
  for (const auto& [name, value] : mix.priority_classes) {
    nlohmann::json pc = {{"apiVersion", "scheduling.k8s.io/v1"}, {"kind", "PriorityClass"},
                         {"metadata", {{"name", name}}}, {"value", value}};
    auto made = (*admin)->Call("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", &pc);
    if (!made.ok() && made.status().code() != absl::StatusCode::kAlreadyExists) {
      return Fail("creating PriorityClass " + name, made.status());
    }
  }
  std::string run = absl::StrCat(absl::ToUnixSeconds(absl::Now()));
  std::string ns = absl::StrCat("bench-", run);
  nlohmann::json namespace_object = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  if (auto s = (*admin)->Call("POST", "/api/v1/namespaces", &namespace_object); !s.ok()) {
    return Fail("creating namespace " + ns, s.status());
  }

  auto node_name = [&](int i) { return absl::StrCat("bench-", run, "-node-", i); };
  auto t_nodes = Clock::now();
  absl::Status nodes = ForEachParallel(o.connection, o.clients, o.nodes, [&](ctl::ApiClient& c, int i) {
    nlohmann::json node = BenchNode(node_name(i), i, node_shape);
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

  std::vector<std::pair<std::string, int>> gangs;  // name, minMember
  absl::flat_hash_set<std::string> seen_gangs;
  for (const PlannedPod& pod : plan) {
    if (!pod.gang.empty() && seen_gangs.insert(pod.gang).second) gangs.emplace_back(pod.gang, pod.gang_size);
  }
  absl::Status groups = ForEachParallel(o.connection, o.clients, static_cast<int>(gangs.size()), [&](ctl::ApiClient& c, int g) {
    nlohmann::json group = {{"apiVersion", "scheduling.gantry.io/v1alpha1"},
                            {"kind", "PodGroup"},
                            {"metadata", {{"name", gangs[static_cast<size_t>(g)].first}}},
                            {"spec", {{"minMember", gangs[static_cast<size_t>(g)].second}}}};
    return c.Call("POST", absl::StrCat("/apis/scheduling.gantry.io/v1alpha1/namespaces/", ns, "/podgroups"), &group)
        .status();
  });
  if (!groups.ok()) return Fail("creating pod groups", groups);

  if (o.deployment) {
    if (auto s = CreateBenchDeployment(**admin, ns); !s.ok()) return Fail("creating the Deployment", s);
  }
  ServerSample before = SampleServer(**admin);
  std::vector<Clock::time_point> created(static_cast<size_t>(o.pods));
  std::atomic<int> created_count{0};
  std::string collection = absl::StrCat("/api/v1/namespaces/", ns, "/pods");
  auto first_create = Clock::now();
  auto deadline = o.duration_seconds > 0 ? first_create + std::chrono::duration_cast<Clock::duration>(
                                                              std::chrono::duration<double>(o.duration_seconds))
                                         : Clock::time_point::max();
  std::optional<ProgressLine> progress;
  progress.emplace([&, last = size_t{0}](double seconds) mutable {
    size_t reached = watcher.count();
    double now = seconds > 0 ? static_cast<double>(reached - std::min(last, reached)) / seconds : 0;
    last = reached;
    return absl::StrFormat("created %d, %s %zu, pending %d, %.0f pods/s now", created_count.load(),
                           o.until_running ? "running" : "bound", reached,
                           created_count.load() - static_cast<int>(reached), now);
  });
  absl::Status pods = o.deployment ? ScaleBenchDeployment(**admin, ns, o.pods) : absl::OkStatus();
  if (o.deployment) {
    std::fill(created.begin(), created.end(), first_create);
    created_count = o.pods;
  }
  if (!o.deployment) pods = ForEachParallel(o.connection, o.clients, o.pods, [&](ctl::ApiClient& c, int i) {
    // Pod i is due i/rate seconds after the first: the clients share one schedule.
    auto due = o.rate > 0 ? first_create + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / o.rate))
                          : Clock::now();
    if (due >= deadline || Clock::now() >= deadline) return absl::OkStatus();
    std::this_thread::sleep_until(due);
    const PlannedPod& planned = plan[static_cast<size_t>(i)];
    nlohmann::json pod = MixPod(absl::StrCat("pod-", i), mix.kinds[static_cast<size_t>(planned.kind)], planned);
    auto s = c.Call("POST", collection, &pod).status();
    created[static_cast<size_t>(i)] = Clock::now();
    if (s.ok()) ++created_count;
    return s;
  });
  if (!pods.ok()) return Fail("creating pods", pods);
  auto last_create = o.deployment ? first_create : *std::max_element(created.begin(), created.end());
  watcher.SetExpected(created_count);

  RunReport report;
  report.what = o.until_running ? "Running" : "bound";
  report.pods = o.pods;
  report.created = created_count;
  report.clients = o.clients;
  report.offered_rate = o.rate;
  report.create_seconds = std::chrono::duration<double>(last_create - first_create).count();
  if (o.gang_size > 0) report.shape = absl::StrCat("in gangs of ", o.gang_size);
  if (!o.workload_path.empty()) report.shape = absl::StrCat("of the mix in ", o.workload_path);
  if (o.deployment) report.shape = "of one Deployment scaled from 0";
  bool all = watcher.Wait(absl::Seconds(o.timeout_seconds));
  progress.reset();
  watcher.Stop();
  auto bound = o.until_running ? watcher.running() : watcher.bound();
  Clock::time_point last_bind = first_create;
  std::vector<double> bound_seconds;
  for (const auto& [name, at] : bound) {
    last_bind = std::max(last_bind, at);
    // A Deployment's pods count from the scale request.
    size_t index = o.deployment ? 0 : static_cast<size_t>(std::stoi(name.substr(4)));
    report.latency_ms.push_back(std::chrono::duration<double, std::milli>(at - created[index]).count());
    bound_seconds.push_back(std::chrono::duration<double>(at - first_create).count());
  }
  report.reached = bound.size();
  report.e2e_seconds = std::chrono::duration<double>(last_bind - first_create).count();
  report.tail_ms = std::chrono::duration<double, std::milli>(std::max(last_bind, last_create) - last_create).count();
  report.per_second = PerSecondSeries(bound_seconds);
  report.rebinds = watcher.rebinds();
  report.nodes = o.nodes;
  if (report.nodes == 0) {
    auto nodes_now = (*admin)->Call("GET", "/api/v1/nodes");
    report.nodes = nodes_now.ok() ? static_cast<int>((*nodes_now)["items"].size()) : 0;
  }
  report.after = SampleServer(**admin);
  report.before = before;
  auto check = CheckPlacement(**admin, ns, gangs.empty() ? "" : kGangLabel);
  if (!check.ok()) return Fail("checking the placement", check.status());
  report.check = *std::move(check);
  printf("%s", report.Text().c_str());
  if (!all) {
    fprintf(stderr, "error: only %zu of %d pods were %s within %d s\n", bound.size(), report.created,
            report.what.c_str(), o.timeout_seconds);
  }
  if (!o.json_path.empty()) {
    if (auto s = WriteFileAtomic(o.json_path, report.Json().dump(2) + "\n", 0644); !s.ok()) {
      return Fail("writing " + o.json_path, s);
    }
  }

  if (!o.keep) {
    (void)(*admin)->Call("DELETE", absl::StrCat("/api/v1/namespaces/", ns));
    (void)ForEachParallel(o.connection, o.clients, o.nodes, [&](ctl::ApiClient& c, int i) {
      (void)c.Call("DELETE", absl::StrCat("/api/v1/nodes/", node_name(i)));
      return absl::OkStatus();
    });
  }
  return all && report.Violations() == 0 ? 0 : 1;
}

}  // namespace gantry::bench
