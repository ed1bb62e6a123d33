#include "bench/placement_bench.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>

#include "scheduler/placement.h"
#include "scheduler/profile_file.h"

namespace gantry::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Mixed sizes, three zones, one node in ten tainted for GPUs.
std::shared_ptr<api::Node> MakeNode(int i, std::mt19937& rng) {
  static const char* kCpu[] = {"8", "16", "32", "64"};
  static const char* kMemory[] = {"32Gi", "64Gi", "128Gi", "256Gi"};
  int size = static_cast<int>(rng() % 4);
  auto node = std::make_shared<api::Node>();
  node->mutable_metadata()->set_name(absl::StrCat("node-", i));
  auto& labels = *node->mutable_metadata()->mutable_labels();
  labels["topology.kubernetes.io/zone"] = absl::StrCat("zone-", i % 3);
  labels["kubernetes.io/hostname"] = node->metadata().name();
  if (i % 10 == 0) {
    auto* taint = node->mutable_spec()->add_taints();
    taint->set_key("dedicated");
    taint->set_value("gpu");
    taint->set_effect("NoSchedule");
  }
  auto& alloc = *node->mutable_status()->mutable_allocatable();
  alloc["cpu"] = kCpu[size];
  alloc["memory"] = kMemory[size];
  alloc["pods"] = "110";
  return node;
}

// Mixed shapes; one in four pins a zone with a nodeSelector.
std::shared_ptr<api::Pod> MakePod(int i, std::mt19937& rng) {
  static const char* kCpu[] = {"100m", "250m", "500m", "1", "2"};
  static const char* kMemory[] = {"128Mi", "256Mi", "512Mi", "1Gi", "4Gi"};
  auto pod = std::make_shared<api::Pod>();
  pod->mutable_metadata()->set_name(absl::StrCat("pod-", i));
  pod->mutable_metadata()->set_namespace_("default");
  auto* c = pod->mutable_spec()->add_containers();
  c->set_name("main");
  c->set_image("busybox");
  (*c->mutable_resources()->mutable_requests())["cpu"] = kCpu[rng() % 5];
  (*c->mutable_resources()->mutable_requests())["memory"] = kMemory[rng() % 5];
  if (i % 4 == 0) (*pod->mutable_spec()->mutable_node_selector())["topology.kubernetes.io/zone"] = absl::StrCat("zone-", rng() % 3);
  return pod;
}

}  // namespace

void AddPlacementBench(CLI::App& bench, PlacementBenchOptions& o) {
  CLI::App* cmd = bench.add_subcommand("placement",
                                       "Per-pod cost of filter + score + choose over an in-memory node table "
                                       "(one thread; no API, store or binder)");
  cmd->add_option("--nodes", o.nodes, "Nodes of mixed sizes, zones and taints")->check(CLI::Range(1, 1000000))->capture_default_str();
  cmd->add_option("--pods", o.pods, "Pods of mixed shapes to place one after another")->check(CLI::Range(1, 10000000))->capture_default_str();
  cmd->add_option("--profile", o.profile, "Scheduler profile YAML (default: the built-in default profile)");
  cmd->add_option("--seed", o.seed, "Random seed for the generated cluster")->capture_default_str();
}

int RunPlacementBench(const PlacementBenchOptions& o) {
  absl::StatusOr<scheduler::Profile> profile =
      o.profile.empty() ? absl::StatusOr<scheduler::Profile>(scheduler::DefaultProfile()) : scheduler::LoadProfile(o.profile);
  if (!profile.ok()) {
    fprintf(stderr, "error: %s\n", std::string(profile.status().message()).c_str());
    return 1;
  }
  std::mt19937 rng(static_cast<uint32_t>(o.seed));
  cluster::NodeTable nodes;
  for (int i = 0; i < o.nodes; ++i) {
    if (auto s = nodes.Upsert(MakeNode(i, rng)); !s.ok()) {
      fprintf(stderr, "error: %s\n", std::string(s.status().message()).c_str());
      return 1;
    }
  }
  std::vector<scheduler::PodInfo> pods;
  pods.reserve(o.pods);
  for (int i = 0; i < o.pods; ++i) pods.push_back(*scheduler::PodInfo::From(MakePod(i, rng)));
  std::vector<uint32_t> order(nodes.size());
  std::iota(order.begin(), order.end(), 0);

  std::vector<double> micros;
  micros.reserve(pods.size());
  int placed = 0;
  uint64_t evaluated = 0;
  auto start = Clock::now();
  for (size_t i = 0; i < pods.size(); ++i) {
    // Rotate the starting node as kube-scheduler does, so early nodes do not
    // absorb every pod while the adaptive search stops early.
    std::rotate(order.begin(), order.begin() + 1, order.end());
    auto t0 = Clock::now();
    scheduler::Placement p = scheduler::Place(*profile, pods[i], nodes, order);
    if (p.node) {
      (void)nodes.AddPod(nodes.name(*p.node), {pods[i].requests, pods[i].host_ports, pods[i].pod});
      ++placed;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    evaluated += p.evaluated;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double q) { return micros[std::min(micros.size() - 1, static_cast<size_t>(q * micros.size()))]; };
  printf("%s", absl::StrFormat("placement: %d nodes, %d pods (%d placed) in %.2f s = %.0f pods/s; "
                               "per pod p50 %.1f us, p99 %.1f us; %.0f nodes filtered per pod\n",
                               o.nodes, o.pods, placed, seconds, o.pods / seconds, pct(0.5), pct(0.99),
                               static_cast<double>(evaluated) / o.pods).c_str());
  return 0;
}

}  // namespace gantry::bench
