// gantry: one binary, the role chosen by subcommand.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <thread>

#include "bench/api_bench.h"
#include "bench/placement_bench.h"
#include "bench/scheduling_bench.h"
#include "common/config_file.h"
#include "common/logging.h"
#include "ctl/ctl_command.h"
#include "server/server.h"

int main(int argc, char** argv) {
  CLI::App app{"gantry: a Kubernetes-shaped cluster in one binary"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();

  gantry::server::ServerOptions server_options;
  CLI::App* server = app.add_subcommand("server", "Run the API server with its embedded store");
  server->add_option("--data-dir", server_options.data_dir, "State, TLS material and kubeconfig live here")
      ->capture_default_str();
  server->add_option("--bind-address", server_options.bind_address, "Address to listen on")->capture_default_str();
  server->add_option("--port", server_options.port, "HTTPS port; 0 lets the kernel choose")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  server->add_option("--agent-port", server_options.agent_port,
                     "gRPC port agents join on (TLS, same CA); 0 lets the kernel choose")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  server->add_option("--http-threads", server_options.http_threads,
                     "Request threads; each open watch holds one")
      ->capture_default_str()
      ->check(CLI::Range(4, 4096));
  server_options.scheduling.shards = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  server->add_option("--scheduler-shards", server_options.scheduling.shards,
                     "Scheduler shard threads (default: the number of CPUs)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  server->add_option("--scheduler-name", server_options.scheduling.scheduler_name,
                     "Schedule pods whose spec.schedulerName is this (or empty); leave others alone")
      ->capture_default_str();
  server->add_option("--sorting-policy", server_options.scheduling.sorting_policy,
                     "Order of pending pods: fifo, priority (higher spec.priority first) or fair-share "
                     "(namespace with the smallest dominant share of bound resources first)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fifo", "priority", "fair-share"}));
  server->add_option("--scheduler-profile", server_options.scheduling.profile_path,
                     "Scheduler profile YAML (plugins and score weights); default: every filter, LeastAllocated")
      ->check(CLI::ExistingFile);
  server->add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  std::string server_config;
  server->add_option("--config", server_config,
                     "YAML file whose keys are these flags' long names (data-dir: /srv/gantry); flags win");

  gantry::ctl::CtlOptions ctl_options;
  CLI::App* ctl = app.add_subcommand("ctl", "Manage the cluster like kubectl");
  gantry::ctl::AddCtlCommands(*ctl, ctl_options);

  gantry::bench::ApiBenchOptions bench_options;
  CLI::App* bench = app.add_subcommand("bench", "Measure a running server");
  gantry::bench::AddBenchCommands(*bench, bench_options);
  gantry::bench::PlacementBenchOptions placement_options;
  gantry::bench::AddPlacementBench(*bench, placement_options);
  gantry::bench::SchedulingBenchOptions scheduling_bench_options;
  gantry::bench::AddSchedulingBench(*bench, scheduling_bench_options);

  CLI11_PARSE(app, argc, argv);
  if (server->parsed() && !server_config.empty()) {
    if (auto s = gantry::ApplyConfigFile(*server, server_config); !s.ok()) {
      fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  if (auto s = gantry::SetupLogging(log_level); !s.ok()) {
    fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (server->parsed()) return gantry::server::RunServer(server_options);
  if (ctl->parsed()) return gantry::ctl::RunCtl(*ctl, ctl_options);
  if (bench->got_subcommand("scheduling")) return gantry::bench::RunSchedulingBench(scheduling_bench_options);
  if (bench->got_subcommand("placement")) return gantry::bench::RunPlacementBench(placement_options);
  if (bench->parsed()) return gantry::bench::RunBench(*bench, bench_options);
  return 0;
}
