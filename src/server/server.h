// The server role: what starts, in what order, and how it stops.
#pragma once

#include <cstdint>
#include <string>

#include "agent/qos/qos_options.h"
#include "server/scheduling_pipeline.h"
#include "server/snapshot_scheduler.h"

namespace gantry::server {

struct ServerOptions {
  std::string data_dir = "/var/lib/gantry";
  std::string bind_address = "0.0.0.0";
  int port = 6443;
  int http_threads = 64;  // request handler threads; watches and idle connections hold none
  int agent_port = 6444;  // gRPC for agents; 0: the kernel chooses
  int64_t event_ttl_seconds = 3600;  // Events last seen longer ago are deleted
  bool disable_agent = false;  // no embedded agent for this machine
  std::string node_name;       // the embedded agent's node (default: host name)
  SchedulingOptions scheduling;
  agent::qos::QosOptions qos;  // the embedded agent's
  SnapshotOptions snapshots;   // scheduled snapshots of the store
  std::string restore_path;    // a snapshot to start from (--restore)
};

// Runs until SIGTERM or SIGINT; returns the process exit code.
int RunServer(const ServerOptions& options);

}  // namespace gantry::server
