// `gantry snapshot save|ls|prune`: store snapshots on the server's machine,
// taken from its data dir while the server runs (as k3s's etcd-snapshot).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace gantry::server {

struct SnapshotCommandOptions {
  std::string data_dir = "/var/lib/gantry";
  std::string snapshot_dir;  // default: <data-dir>/snapshots
  std::string path;          // save: where to write (default: a new name in the snapshot dir)
  int retention = 5;         // prune: snapshots kept
  std::string config_path;   // the server's config file (default: kServerConfigPath when readable)
};

void AddSnapshotCommands(CLI::App& snapshot, SnapshotCommandOptions& options);
// Runs the parsed subcommand; returns the exit code.
int RunSnapshotCommand(const CLI::App& snapshot, const SnapshotCommandOptions& options);

}  // namespace gantry::server
