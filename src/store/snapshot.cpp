#include "store/snapshot.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/sqlite_statement.h"

namespace gantry::store {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kPrefix = "gantry-snapshot-";
constexpr absl::string_view kSuffix = ".db";

absl::Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("opening ", path, ": ", std::strerror(errno)));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return absl::UnavailableError(absl::StrCat("syncing ", path, ": ", std::strerror(errno)));
  return absl::OkStatus();
}

// Owns a connection; the message of its last error for statuses.
class Database {
 public:
  Database(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      error_ = absl::StrCat(path, ": ", db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory");
    }
  }
  ~Database() { sqlite3_close(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

// Copies every page of `from` into `to` in one step: one read transaction on
// the source, so the copy is of one committed state. Retries while the
// source is momentarily locked (a checkpoint in progress).
absl::Status CopyPages(sqlite3* from, sqlite3* to, const std::string& what) {
  for (int attempt = 0;; ++attempt) {
    sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
    if (backup == nullptr) return absl::InternalError(absl::StrCat(what, ": ", sqlite3_errmsg(to)));
    int step = sqlite3_backup_step(backup, -1);
    int finish = sqlite3_backup_finish(backup);
    if (step == SQLITE_DONE && finish == SQLITE_OK) return absl::OkStatus();
    if ((step == SQLITE_BUSY || step == SQLITE_LOCKED) && attempt < 50) {
      sqlite3_sleep(100);
      continue;
    }
    return absl::UnavailableError(absl::StrCat(what, ": ", sqlite3_errstr(step == SQLITE_DONE ? finish : step)));
  }
}

// A gantry store: its tables are there and SQLite finds it intact.
absl::Status CheckStore(sqlite3* db, const std::string& path) {
  Statement tables(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('objects','meta')");
  if (tables.get() == nullptr || sqlite3_step(tables.get()) != SQLITE_ROW) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not an SQLite database: ", sqlite3_errmsg(db)));
  }
  if (sqlite3_column_int(tables.get(), 0) != 2) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is an SQLite database but not a gantry store"));
  }
  Statement check(db, "PRAGMA integrity_check");
  if (check.get() == nullptr || sqlite3_step(check.get()) != SQLITE_ROW) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": integrity check failed: ", sqlite3_errmsg(db)));
  }
  const unsigned char* verdict = sqlite3_column_text(check.get(), 0);
  std::string result = verdict == nullptr ? "" : reinterpret_cast<const char*>(verdict);
  if (result != "ok") return absl::InvalidArgumentError(absl::StrCat(path, " is damaged: ", result));
  return absl::OkStatus();
}

// Writes a copy of the store `from` to `out`: to a temporary name first,
// synced, then renamed, so `out` is whole or absent.
absl::Status WriteCopy(sqlite3* from, const std::string& out) {
  std::string partial = absl::StrCat(out, ".partial");
  fs::remove(partial);
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("creating ", partial, ": ", std::strerror(errno)));
  ::close(fd);
  absl::Status copied;
  {
    Database to(partial, SQLITE_OPEN_READWRITE);
    copied = to.ok() ? CopyPages(from, to.get(), absl::StrCat("copying into ", partial))
                     : absl::UnavailableError(to.error());
    // The copy keeps no journal of its own: one self-contained file.
    if (copied.ok()) copied = Exec(to.get(), "PRAGMA journal_mode=DELETE");
  }
  if (copied.ok()) copied = SyncPath(partial, O_RDONLY);
  if (copied.ok() && std::rename(partial.c_str(), out.c_str()) != 0) {
    copied = absl::UnavailableError(absl::StrCat("renaming ", partial, " to ", out, ": ", std::strerror(errno)));
  }
  if (!copied.ok()) {
    fs::remove(partial);
    return copied;
  }
  fs::path dir = fs::path(out).parent_path();
  return SyncPath(dir.empty() ? "." : dir.string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace

std::string SnapshotFileName(absl::Time when) {
  return absl::StrCat(kPrefix, absl::FormatTime("%Y%m%dT%H%M%SZ", when, absl::UTCTimeZone()), kSuffix);
}

std::string DefaultSnapshotDir(const std::string& data_dir) { return data_dir + "/snapshots"; }

absl::Status SaveSnapshot(const std::string& db_path, const std::string& out_path) {
  if (!fs::exists(db_path)) return absl::NotFoundError(absl::StrCat("no store at ", db_path));
  std::error_code ec;
  if (fs::exists(out_path, ec)) return absl::AlreadyExistsError(absl::StrCat(out_path, " exists already"));
  // Read-write without create: a read-only connection cannot open a WAL store whose -shm is absent.
  Database from(db_path, SQLITE_OPEN_READWRITE);
  if (!from.ok()) return absl::UnavailableError(absl::StrCat("opening the store ", from.error()));
  if (absl::Status s = CheckStore(from.get(), db_path); !s.ok()) return s;
  return WriteCopy(from.get(), out_path);
}

absl::StatusOr<std::string> SaveSnapshotIn(const std::string& db_path, const std::string& dir, absl::Time when) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("creating ", dir, ": ", ec.message()));
  fs::permissions(dir, fs::perms::owner_all, ec);
  std::string path = absl::StrCat(dir, "/", SnapshotFileName(when));
  if (absl::Status s = SaveSnapshot(db_path, path); !s.ok()) return s;
  return path;
}

absl::StatusOr<std::vector<SnapshotFile>> ListSnapshots(const std::string& dir) {
  std::vector<SnapshotFile> found;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return found;
  fs::directory_iterator entries(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("listing ", dir, ": ", ec.message()));
  for (const fs::directory_entry& entry : entries) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !absl::StartsWith(name, kPrefix) || !absl::EndsWith(name, kSuffix)) continue;
    SnapshotFile file;
    file.path = entry.path().string();
    file.size_bytes = static_cast<int64_t>(entry.file_size(ec));
    auto written = entry.last_write_time(ec);
    file.taken = absl::FromChrono(std::chrono::file_clock::to_sys(written));
    found.push_back(std::move(file));
  }
  // The names carry the time taken, so they sort oldest first.
  std::sort(found.begin(), found.end(), [](const SnapshotFile& a, const SnapshotFile& b) { return a.path < b.path; });
  return found;
}

absl::StatusOr<std::vector<SnapshotFile>> PruneSnapshots(const std::string& dir, int keep) {
  if (keep < 1) return absl::InvalidArgumentError("the retention must keep at least one snapshot");
  auto all = ListSnapshots(dir);
  if (!all.ok()) return all.status();
  std::vector<SnapshotFile> deleted;
  size_t surplus = all->size() > static_cast<size_t>(keep) ? all->size() - static_cast<size_t>(keep) : 0;
  for (size_t i = 0; i < surplus; ++i) {
    std::error_code ec;
    if (!fs::remove((*all)[i].path, ec) && ec) {
      return absl::UnavailableError(absl::StrCat("deleting ", (*all)[i].path, ": ", ec.message()));
    }
    deleted.push_back((*all)[i]);
  }
  return deleted;
}

absl::StatusOr<std::string> RestoreSnapshot(const std::string& snapshot_path, const std::string& db_path) {
  if (!fs::exists(snapshot_path)) return absl::NotFoundError(absl::StrCat("no snapshot at ", snapshot_path));
  Database snapshot(snapshot_path, SQLITE_OPEN_READONLY);
  if (!snapshot.ok()) return absl::InvalidArgumentError(absl::StrCat("opening the snapshot ", snapshot.error()));
  if (absl::Status s = CheckStore(snapshot.get(), snapshot_path); !s.ok()) return s;

  std::string kept;
  std::error_code ec;
  if (fs::exists(db_path, ec)) {
    kept = absl::StrCat(db_path, ".before-restore-",
                        absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()));
    // Its write-ahead log and index go with it: the old state is whole in the kept copy.
    Database old(db_path, SQLITE_OPEN_READWRITE);
    absl::Status copied = old.ok() ? WriteCopy(old.get(), kept) : absl::UnavailableError(old.error());
    if (!copied.ok()) return absl::UnavailableError(absl::StrCat("keeping the current store: ", copied.message()));
  }
  std::string staged = absl::StrCat(db_path, ".restoring");
  fs::remove(staged, ec);
  if (absl::Status s = WriteCopy(snapshot.get(), staged); !s.ok()) return s;
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(absl::StrCat(db_path, suffix), ec);
  if (std::rename(staged.c_str(), db_path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("renaming ", staged, " to ", db_path, ": ", std::strerror(errno)));
  }
  return kept;
}

}  // namespace gantry::store
