#include "bench/api_bench.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench/bench_workload.h"

namespace gantry::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct ClientResult {
  std::vector<double> latencies_ms;
  int errors = 0;
  std::string first_error;
};

void LogAck(int fd, const std::string& name, const nlohmann::json& object) {
  if (fd < 0) return;
  std::string line = absl::StrCat(name, " ", object["metadata"].value("resourceVersion", ""), "\n");
  ssize_t written = write(fd, line.data(), line.size());
  (void)written;
}

void RunClient(const ApiBenchOptions& o, int index, int operations, int ack_fd, ClientResult* out) {
  auto client = ctl::ApiClient::Connect(o.connection);
  if (!client.ok()) {
    out->errors = operations;
    out->first_error = std::string(client.status().message());
    return;
  }
  std::string collection = absl::StrCat("/api/v1/namespaces/", o.namespace_, "/pods");
  std::string own = absl::StrCat(o.prefix, "-u-", index);
  if (o.operation == "update") {
    nlohmann::json pod = BenchPod(own);
    auto created = (*client)->Call("POST", collection, &pod);
    if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists) {
      out->errors = operations;
      out->first_error = std::string(created.status().message());
      return;
    }
  }
  out->latencies_ms.reserve(operations);
  for (int i = 0; i < operations; ++i) {
    auto start = Clock::now();
    absl::StatusOr<nlohmann::json> result;
    std::string name;
    if (o.operation == "create") {
      name = absl::StrCat(o.prefix, "-", index, "-", i);
      nlohmann::json pod = BenchPod(name);
      result = (*client)->Call("POST", collection, &pod);
    } else {
      name = own;
      nlohmann::json patch = {{"metadata", {{"labels", {{"seq", std::to_string(i)}}}}}};
      result = (*client)->Call("PATCH", collection + "/" + own, &patch, "application/merge-patch+json");
    }
    if (!result.ok()) {
      if (out->errors++ == 0) out->first_error = std::string(result.status().message());
      if (result.status().code() == absl::StatusCode::kUnavailable) return;  // the server is gone
      continue;
    }
    out->latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    LogAck(ack_fd, name, *result);
  }
}

}  // namespace

void AddBenchCommands(CLI::App& bench, ApiBenchOptions& o) {
  bench.require_subcommand(1);
  CLI::App* api = bench.add_subcommand("api", "Acknowledged pod creates or updates per second through the HTTPS API");
  api->add_option("--kubeconfig", o.connection.kubeconfig, "kubeconfig of the server to measure");
  api->add_option("--server", o.connection.server, "API server URL, overriding the kubeconfig");
  api->add_option("--token", o.connection.token, "bearer token, overriding the kubeconfig");
  api->add_option("--operation", o.operation, "create: new pods; update: label patches of one pod per client")
      ->check(CLI::IsMember({"create", "update"}))
      ->capture_default_str();
  api->add_option("--clients", o.clients, "Concurrent clients, each with its own connection")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  api->add_option("--count", o.count, "Operations in total")->check(CLI::Range(1, 10000000))->capture_default_str();
  api->add_option("--namespace", o.namespace_, "Namespace for the bench pods")->capture_default_str();
  api->add_option("--prefix", o.prefix, "Name prefix of the bench pods")->capture_default_str();
  api->add_option("--ack-log", o.ack_log, "Append NAME RESOURCEVERSION per acknowledged write (crash tests)");
}

int RunBench(const CLI::App&, const ApiBenchOptions& o) {
  int ack_fd = -1;
  if (!o.ack_log.empty()) {
    ack_fd = open(o.ack_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (ack_fd < 0) {
      fprintf(stderr, "error: cannot open --ack-log %s\n", o.ack_log.c_str());
      return 1;
    }
  }
  std::vector<ClientResult> results(o.clients);
  auto start = Clock::now();
  {
    std::vector<std::jthread> threads;
    for (int c = 0; c < o.clients; ++c) {
      int share = o.count / o.clients + (c < o.count % o.clients ? 1 : 0);
      threads.emplace_back(RunClient, std::cref(o), c, share, ack_fd, &results[c]);
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (ack_fd >= 0) close(ack_fd);
  std::vector<double> all;
  int errors = 0;
  std::string first_error;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    errors += r.errors;
    if (first_error.empty()) first_error = r.first_error;
  }
  size_t acked = all.size();
  double p50 = Percentile(all, 0.50);
  double p99 = Percentile(all, 0.99);
  printf("%s", absl::StrFormat("%s: %d clients, %d acknowledged in %.2f s = %.0f/s; latency p50 %.2f ms, p99 %.2f ms; %d errors\n",
                               o.operation, o.clients, acked, seconds, acked / seconds, p50, p99, errors).c_str());
  if (errors > 0) fprintf(stderr, "first error: %s\n", first_error.c_str());
  return errors > 0 ? 1 : 0;
}

}  // namespace gantry::bench
