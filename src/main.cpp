// gantry: one binary, the role chosen by subcommand.
#include <CLI/CLI.hpp>
#include <absl/synchronization/mutex.h>

#include <csignal>

#include <algorithm>
#include <thread>

#include "server/server_config_file.h"
#include "server/snapshot_command.h"
#include "agent/agent.h"
#include "agent/host_check.h"
#include "bench/api_bench.h"
#include "bench/connections_bench.h"
#include "bench/placement_bench.h"
#include "bench/pod_start_bench.h"
#include "bench/scheduling_bench.h"
#include "common/command_suggestion.h"
#include "common/config_file.h"
#include "common/cron_schedule.h"
#include "common/logging.h"
#include "ctl/ctl_command.h"
#include "server/certificate_command.h"
#include "server/server.h"

int main(int argc, char** argv) {
  // Every role writes to sockets a peer may have closed (the bench and ctl
  // included): a closed peer is an error to handle, never a reason to die.
  signal(SIGPIPE, SIG_IGN);
  // Debian's Abseil is built with Mutex deadlock detection on, which keeps a
  // lock graph on every acquisition (seen in profiles of the watch fan-out).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
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
  server->add_flag("--disable-agent", server_options.disable_agent,
                   "Do not run the embedded node agent (this machine then runs no pods)");
  server->add_option("--node-name", server_options.node_name, "The embedded agent's node name (default: host name)");
  gantry::agent::qos::QosFlagValues server_qos_seconds;
  gantry::agent::qos::AddQosFlags(*server, server_options.qos, server_qos_seconds);
  server->add_option("--http-threads", server_options.http_threads,
                     "Request handler threads (handlers may wait on the store's commits); open watches and idle "
                     "connections hold none")
      ->capture_default_str()
      ->check(CLI::Range(4, 4096));
  server->add_option("--event-ttl", server_options.event_ttl_seconds,
                     "Seconds an Event is kept after it last happened (as kube-apiserver's --event-ttl)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{365} * 24 * 3600));
  server_options.scheduling.shards = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  server->add_option("--scheduler-shards", server_options.scheduling.shards,
                     "Scheduler shard threads (default: the number of CPUs)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  server->add_option("--scheduler-name", server_options.scheduling.scheduler_name,
                     "Schedule pods whose spec.schedulerName is this (or empty); a comma-separated list takes several "
                     "(gantry,katalyst-scheduler,koord-scheduler for manifests written for those); others are left alone")
      ->capture_default_str();
  server->add_option("--sorting-policy", server_options.scheduling.sorting_policy,
                     "Order of pending pods: fifo, priority (higher spec.priority first) or fair-share "
                     "(namespace with the smallest dominant share of bound resources first)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fifo", "priority", "fair-share"}));
  server->add_option("--scheduler-profile", server_options.scheduling.profile_path,
                     "Scheduler profile YAML (plugins and score weights); default: every filter, LeastAllocated")
      ->check(CLI::ExistingFile);
  server->add_option("--snapshot-schedule", server_options.snapshots.schedule,
                     "When to snapshot the store, as cron (minute hour day month weekday, local time)")
      ->capture_default_str()
      ->check([](const std::string& expression) {
        auto parsed = gantry::CronSchedule::Parse(expression);
        return parsed.ok() ? std::string() : std::string(parsed.status().message());
      });
  server->add_option("--snapshot-retention", server_options.snapshots.retention,
                     "Scheduled snapshots kept; older ones are deleted")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  server->add_option("--snapshot-dir", server_options.snapshots.dir,
                     "Where scheduled snapshots go (default: <data-dir>/snapshots)");
  server->add_flag("--disable-snapshots", server_options.snapshots.disabled, "Take no scheduled snapshots");
  server->add_option("--restore", server_options.restore_path,
                     "Start from this snapshot (gantry snapshot save): it replaces the store once, and the old "
                     "store is kept beside it")
      ->check(CLI::ExistingFile);
  server->add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  std::string server_config;
  server->add_option("--config", server_config,
                     "YAML file whose keys are these flags' long names (data-dir: /srv/gantry); flags win");

  gantry::agent::AgentOptions agent_options;
  agent_options.node.data_dir = "/var/lib/gantry-agent";
  std::string node_labels, node_taints, agent_config;
  int heartbeat_seconds = 10;
  CLI::App* agent = app.add_subcommand(
      "agent",
      "Run the node agent: join a server and run the pods bound to this node as cgroup-isolated host processes "
      "(the image field is recorded, not pulled: containers run host binaries)");
  agent->add_option("--server", agent_options.server_url, "API server URL, https://host:port (required)");
  agent->add_option("--token", agent_options.token,
                    "Join token from the server's <data-dir>/token, K10<CA hash>::server:<secret> (required)");
  agent->add_option("--node-name", agent_options.node.name, "Node name (default: the host name)");
  agent->add_option("--node-labels", node_labels, "Extra node labels, k=v,k2=v2");
  agent->add_option("--node-taints", node_taints, "Node taints, k=v:Effect,k2:Effect");
  agent->add_option("--data-dir", agent_options.node.data_dir, "Pod state, logs and the node credential")
      ->capture_default_str();
  agent->add_option("--max-pods", agent_options.node.max_pods, "Pods this node accepts")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  agent->add_option("--heartbeat-interval", heartbeat_seconds, "Seconds between heartbeats")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  agent->add_option("--simulate", agent_options.simulate,
                    "Register this many hollow nodes from --node-template instead of this machine; their pods are "
                    "reported Running without processes (for benches and scale tests)")
      ->check(CLI::Range(0, 1000000));
  agent->add_option("--node-template", agent_options.node_template,
                    "YAML shape of the simulated nodes (configs/examples/hollow-node.yaml)")
      ->check(CLI::ExistingFile);
  agent->add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")->capture_default_str();
  gantry::agent::qos::QosFlagValues agent_qos_seconds;
  gantry::agent::qos::AddQosFlags(*agent, agent_options.qos, agent_qos_seconds);
  agent->add_option("--config", agent_config, "YAML file whose keys are these flags' long names; flags win");

  gantry::ctl::CtlOptions ctl_options;
  CLI::App* ctl = app.add_subcommand("ctl", "Manage the cluster like kubectl");
  gantry::ctl::AddCtlCommands(*ctl, ctl_options);

  gantry::server::SnapshotCommandOptions snapshot_options;
  CLI::App* snapshot =
      app.add_subcommand("snapshot", "Save, list and prune snapshots of the store (on the server's machine)");
  gantry::server::AddSnapshotCommands(*snapshot, snapshot_options);

  gantry::server::CertificateCommandOptions certificate_options;
  CLI::App* certificate = app.add_subcommand(
      "certificate", "Check the expiry of the server's CA and certificate; renew the certificate (on the server's machine)");
  gantry::server::AddCertificateCommands(*certificate, certificate_options);

  gantry::agent::HostCheckOptions host_check_options;
  CLI::App* check_config = app.add_subcommand(
      "check-config", "Check what this machine offers gantry: cgroups, namespaces, root, CNI, data dirs, ports, clock");
  check_config->add_option("--data-dir", host_check_options.server_data_dir, "The server's data dir")
      ->capture_default_str();
  check_config->add_option("--agent-data-dir", host_check_options.agent_data_dir, "The agent's data dir")
      ->capture_default_str();
  check_config->add_option("--ports", host_check_options.ports, "Ports the server would listen on")
      ->capture_default_str()
      ->delimiter(',');
  check_config->footer("Exit status 1 when the agent cannot run here (a line marked missing).");

  gantry::bench::ApiBenchOptions bench_options;
  CLI::App* bench = app.add_subcommand("bench", "Measure a running server");
  gantry::bench::AddBenchCommands(*bench, bench_options);
  gantry::bench::PlacementBenchOptions placement_options;
  gantry::bench::AddPlacementBench(*bench, placement_options);
  gantry::bench::SchedulingBenchOptions scheduling_bench_options;
  gantry::bench::AddSchedulingBench(*bench, scheduling_bench_options);
  gantry::bench::PodStartBenchOptions pod_start_options;
  gantry::bench::AddPodStartBench(*bench, pod_start_options);
  gantry::bench::ConnectionsBenchOptions connections_options;
  gantry::bench::AddConnectionsBench(*bench, connections_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (auto unknown = gantry::UnknownCommandMessage(app, argc, argv)) {
        fprintf(stderr, "%s\n", unknown->c_str());
        return 1;
      }
    }
    return app.exit(e);
  }
  if (server->parsed() && !server_config.empty()) {
    if (auto s = gantry::ApplyConfigFile(*server, server_config); !s.ok()) {
      fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  if (agent->parsed() && !agent_config.empty()) {
    if (auto s = gantry::ApplyConfigFile(*agent, agent_config); !s.ok()) {
      fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  for (auto [command, config_path] : {std::pair{snapshot, &snapshot_options.config_path},
                                      std::pair{certificate, &certificate_options.config_path}}) {
    if (!command->parsed()) continue;
    if (auto s = gantry::server::ApplyServerConfig(*command->get_subcommands().front(), *config_path, *server);
        !s.ok()) {
      fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  for (auto [command, seconds, qos] :
       {std::tuple{server, &server_qos_seconds, &server_options.qos}, std::tuple{agent, &agent_qos_seconds, &agent_options.qos}}) {
    if (!command->parsed()) continue;
    if (auto s = gantry::agent::qos::FinishQosFlags(*seconds, *qos); !s.ok()) {
      fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  if (auto s = gantry::SetupLogging(log_level); !s.ok()) {
    fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (server->parsed()) return gantry::server::RunServer(server_options);
  if (agent->parsed()) {
    // Checked here, not by CLI11: --config may supply them.
    for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--server", &agent_options.server_url},
                                      {"--token", &agent_options.token}}) {
      if (value->empty()) {
        fprintf(stderr, "error: %s is required (on the command line or in --config)\n", flag);
        return 2;
      }
    }
    auto labels = gantry::agent::ParseLabels(node_labels);
    auto taints = gantry::agent::ParseTaints(node_taints);
    if (!labels.ok() || !taints.ok()) {
      fprintf(stderr, "error: %s\n", std::string((labels.ok() ? taints.status() : labels.status()).message()).c_str());
      return 2;
    }
    agent_options.node.labels = *labels;
    agent_options.node.taints = *taints;
    agent_options.heartbeat = absl::Seconds(heartbeat_seconds);
    if (agent_options.simulate > 0 && agent_options.node_template.empty()) {
      fprintf(stderr, "error: --simulate needs --node-template\n");
      return 2;
    }
    return gantry::agent::RunAgent(agent_options);
  }
  if (ctl->parsed()) return gantry::ctl::RunCtl(*ctl, ctl_options);
  if (certificate->parsed()) return gantry::server::RunCertificateCommand(*certificate, certificate_options);
  if (check_config->parsed()) return gantry::agent::PrintHostChecks(gantry::agent::CheckHost(host_check_options));
  if (snapshot->parsed()) return gantry::server::RunSnapshotCommand(*snapshot, snapshot_options);
  if (bench->got_subcommand("connections")) return gantry::bench::RunConnectionsBench(connections_options);
  if (bench->got_subcommand("pod-start")) return gantry::bench::RunPodStartBench(pod_start_options);
  if (bench->got_subcommand("scheduling")) return gantry::bench::RunSchedulingBench(scheduling_bench_options);
  if (bench->got_subcommand("placement")) return gantry::bench::RunPlacementBench(placement_options);
  if (bench->parsed()) return gantry::bench::RunBench(*bench, bench_options);
  return 0;
}
