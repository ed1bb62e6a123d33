#include "server/snapshot_command.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <cstdio>
#include <filesystem>

#include "server/server_config_file.h"
#include "store/snapshot.h"

namespace gantry::server {
namespace {

std::string SnapshotDir(const SnapshotCommandOptions& options) {
  return options.snapshot_dir.empty() ? store::DefaultSnapshotDir(options.data_dir) : options.snapshot_dir;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "error: %s\n", std::string(status.message()).c_str());
  return 1;
}

std::string Size(int64_t bytes) {
  if (bytes >= 1 << 20) return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return absl::StrFormat("%.1f KiB", static_cast<double>(bytes) / 1024);
}

int Save(const SnapshotCommandOptions& options) {
  std::string db = options.data_dir + "/state.db";
  std::string path = options.path;
  if (path.empty()) {
    auto saved = store::SaveSnapshotIn(db, SnapshotDir(options), absl::Now());
    if (!saved.ok()) return Fail(saved.status());
    path = *saved;
  } else if (absl::Status s = store::SaveSnapshot(db, path); !s.ok()) {
    return Fail(s);
  }
  std::error_code ec;
  std::printf("saved %s (%s)\n", path.c_str(), Size(static_cast<int64_t>(std::filesystem::file_size(path, ec))).c_str());
  return 0;
}

int List(const SnapshotCommandOptions& options) {
  auto snapshots = store::ListSnapshots(SnapshotDir(options));
  if (!snapshots.ok()) return Fail(snapshots.status());
  std::printf("%-60s %-12s %s\n", "NAME", "SIZE", "TAKEN");
  for (const store::SnapshotFile& s : *snapshots) {
    std::printf("%-60s %-12s %s\n", s.path.c_str(), Size(s.size_bytes).c_str(),
                absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", s.taken, absl::UTCTimeZone()).c_str());
  }
  return 0;
}

int Prune(const SnapshotCommandOptions& options) {
  auto deleted = store::PruneSnapshots(SnapshotDir(options), options.retention);
  if (!deleted.ok()) return Fail(deleted.status());
  for (const store::SnapshotFile& s : *deleted) std::printf("deleted %s\n", s.path.c_str());
  std::printf("%zu deleted, the newest %d kept\n", deleted->size(), options.retention);
  return 0;
}

}  // namespace

void AddSnapshotCommands(CLI::App& snapshot, SnapshotCommandOptions& options) {
  snapshot.require_subcommand(1);
  auto add_dirs = [&](CLI::App* command) {
    command->add_option("--data-dir", options.data_dir, "The server's data dir, whose state.db is the store")
        ->capture_default_str();
    command->add_option("--snapshot-dir", options.snapshot_dir, "Where snapshots are kept (default: <data-dir>/snapshots)");
    AddServerConfigOption(*command, options.config_path);
  };
  CLI::App* save = snapshot.add_subcommand(
      "save", "Save a consistent copy of the store, also while the server runs (SQLite's online backup)");
  save->add_option("path", options.path, "Where to write it (default: a new gantry-snapshot-<time>.db in the snapshot dir)");
  add_dirs(save);
  add_dirs(snapshot.add_subcommand("ls", "List the snapshots in the snapshot dir, oldest first"));
  CLI::App* prune = snapshot.add_subcommand("prune", "Delete all but the newest snapshots in the snapshot dir");
  add_dirs(prune);
  prune->add_option("--snapshot-retention", options.retention, "Snapshots to keep")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  snapshot.footer(
      "Examples:\n"
      "  gantry snapshot save\n"
      "  gantry snapshot save /backup/gantry-before-upgrade.db\n"
      "  gantry snapshot ls\n"
      "  gantry snapshot prune --snapshot-retention 3\n"
      "  gantry server --restore /backup/gantry-before-upgrade.db   # start from one");
}

int RunSnapshotCommand(const CLI::App& snapshot, const SnapshotCommandOptions& options) {
  if (snapshot.got_subcommand("save")) return Save(options);
  if (snapshot.got_subcommand("ls")) return List(options);
  if (snapshot.got_subcommand("prune")) return Prune(options);
  return 2;
}

}  // namespace gantry::server
