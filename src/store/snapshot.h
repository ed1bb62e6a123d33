// Snapshots of the store: consistent copies of its SQLite database taken
// with SQLite's online backup API while the server keeps writing (in WAL mode
// the copy reads one committed state throughout), and a restore that puts
// one in the database's place.
#pragma once

#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gantry::store {

struct SnapshotFile {
  std::string path;
  int64_t size_bytes = 0;
  absl::Time taken;  // the file's modification time
};

// The file name of a snapshot taken at `when` in a snapshot directory:
// gantry-snapshot-<UTC yyyymmddThhmmssZ>.db, so names sort by age.
std::string SnapshotFileName(absl::Time when);

// Where snapshots go unless told otherwise: <data-dir>/snapshots.
std::string DefaultSnapshotDir(const std::string& data_dir);

// Copies the store at `db_path` into `out_path`, mode 0600. The copy is
// written beside `out_path` and renamed once synced, so a failed save leaves
// nothing; an existing `out_path` is an error.
absl::Status SaveSnapshot(const std::string& db_path, const std::string& out_path);

// Saves the store at `db_path` as a new SnapshotFileName(when) in the
// snapshot directory `dir`, created owner-only if need be; returns its path.
absl::StatusOr<std::string> SaveSnapshotIn(const std::string& db_path, const std::string& dir, absl::Time when);

// The snapshots in `dir` (files named as SnapshotFileName makes them),
// oldest first; an absent directory has none.
absl::StatusOr<std::vector<SnapshotFile>> ListSnapshots(const std::string& dir);

// Deletes all but the newest `keep` snapshots in `dir`; returns the deleted.
absl::StatusOr<std::vector<SnapshotFile>> PruneSnapshots(const std::string& dir, int keep);

// Puts the snapshot at `snapshot_path` in place of the store at `db_path`
// (which must not be open), after checking that it is a gantry store that
// passes SQLite's integrity check. A store already at `db_path` is kept as
// <db_path>.before-restore-<time>; returns that path, or "" when there was
// none.
absl::StatusOr<std::string> RestoreSnapshot(const std::string& snapshot_path, const std::string& db_path);

}  // namespace gantry::store
