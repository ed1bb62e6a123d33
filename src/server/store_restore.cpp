#include "server/store_restore.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/files.h"
#include "store/snapshot.h"

namespace gantry::server {
namespace {

// What identifies a snapshot file: its absolute path, size and modification time.
std::string SnapshotIdentity(const std::string& path) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  auto size = std::filesystem::file_size(path, ec);
  auto written = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  return absl::StrCat(absolute.string(), " ", size, " ", written, "\n");
}

}  // namespace

absl::Status RestoreOnce(const std::string& snapshot_path, const std::string& data_dir) {
  std::string marker = data_dir + "/restored-from";
  std::string identity = SnapshotIdentity(snapshot_path);
  if (auto done = ReadFile(marker); done.ok() && *done == identity) {
    spdlog::warn("--restore {}: this store was restored from it already; starting from the store as it is "
                 "(remove --restore from the command line or config)",
                 snapshot_path);
    return absl::OkStatus();
  }
  auto kept = store::RestoreSnapshot(snapshot_path, data_dir + "/state.db");
  if (!kept.ok()) return kept.status();
  // At warn: replacing the cluster's state is worth a line at any log level.
  if (kept->empty()) {
    spdlog::warn("restored the store from {}", snapshot_path);
  } else {
    spdlog::warn("restored the store from {}; the store it replaced is kept as {}", snapshot_path, *kept);
  }
  return WriteFileAtomic(marker, identity, 0600);
}

}  // namespace gantry::server
