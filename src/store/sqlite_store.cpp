#include "store/sqlite_store.h"
#include "store/sqlite_statement.h"
#include "store/write_check.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "common/log_format.h"
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "api/errors.h"
#include "api/object_meta.h"
#include "common/metrics.h"

namespace gantry::store {
namespace {

struct StoreMetrics {
  metrics::Histogram& batch_size;
  metrics::Histogram& commit_seconds;
  metrics::Family<metrics::Counter>& writes;
  metrics::Gauge& queue_depth;
  metrics::Gauge& quarantined;
};

StoreMetrics& Metrics() {
  static StoreMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    return new StoreMetrics{
        r.AddHistogram("gantry_store_commit_batch_size", "Writes per SQLite transaction.",
                       metrics::SizeBuckets()).WithLabels({}),
        r.AddHistogram("gantry_store_commit_duration_seconds",
                       "Time to persist one group commit (SQLite transaction incl. fsync).",
                       metrics::LatencyBuckets()).WithLabels({}),
        r.AddCounter("gantry_store_writes_total", "Store writes by operation and result.",
                     {"operation", "result"}),
        r.AddGauge("gantry_store_write_queue_depth", "Writes waiting for the writer thread.")
            .WithLabels({}),
        r.AddGauge("gantry_store_quarantined_objects",
                   "Stored objects set aside because they no longer decode (table quarantine).")
            .WithLabels({}),
    };
  }();
  return *m;
}

std::string ObjectKey(absl::string_view ns, absl::string_view name) { return absl::StrCat(ns, "/", name); }

const char* OpName(WriteOp::Type t) {
  switch (t) {
    case WriteOp::Type::kCreate: return "create";
    case WriteOp::Type::kUpdate: return "update";
    case WriteOp::Type::kDelete: return "delete";
  }
  return "unknown";
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(Options options) {
  // The store holds every secret of the cluster: owner-only, and SQLite gives
  // its -wal and -shm files the database file's mode.
  int fd = ::open(options.path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot open store ", options.path, ": ", strerror(errno)));
  ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm"}) ::chmod(absl::StrCat(options.path, suffix).c_str(), 0600);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(options.path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open store ", options.path, ": ", why));
  }
  // synchronous=FULL: a write is acknowledged only once it survives power loss,
  // not just a process crash; group commit amortises the fsync. Under churn
  // the file must not keep its high-water mark: auto_vacuum=INCREMENTAL lets
  // free pages be returned (ReclaimFreePages), and journal_size_limit
  // truncates the WAL after a checkpoint that resets it.
  for (const char* sql : {"PRAGMA auto_vacuum=INCREMENTAL", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "PRAGMA journal_size_limit=16777216",
                          "CREATE TABLE IF NOT EXISTS objects (resource TEXT NOT NULL, "
                          "namespace TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL, "
                          "data BLOB NOT NULL, PRIMARY KEY (resource, namespace, name))",
                          "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
                          // Rows that no longer decode, set aside at load so the rest serves.
                          "CREATE TABLE IF NOT EXISTS quarantine (resource TEXT NOT NULL, namespace TEXT NOT NULL, "
                          "name TEXT NOT NULL, revision INTEGER NOT NULL, data BLOB NOT NULL, reason TEXT NOT NULL, "
                          "quarantined_at INTEGER NOT NULL)"}) {
    absl::Status s = Exec(db, sql);
    if (!s.ok()) {
      sqlite3_close(db);
      return s;
    }
  }
  // A store created before auto_vacuum was set keeps mode 0 until a VACUUM rewrites it.
  {
    Statement mode(db, "PRAGMA auto_vacuum");
    bool incremental = sqlite3_step(mode.get()) == SQLITE_ROW && sqlite3_column_int(mode.get(), 0) == 2;
    if (!incremental) {
      spdlog::info("store: rewriting {} once so that it can return free space (auto_vacuum=incremental)",
                   options.path);
      if (absl::Status s = Exec(db, "VACUUM"); !s.ok()) spdlog::warn("store: {}", s);
    }
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(options), db));
  absl::Status loaded = store->Load();
  if (!loaded.ok()) return loaded;
  store->writer_ = std::jthread([s = store.get()](std::stop_token stop) { s->WriterLoop(stop); });
  return store;
}

SqliteStore::SqliteStore(Options options, sqlite3* db) : options_(std::move(options)), db_(db) {}

SqliteStore::~SqliteStore() {
  Shutdown();
  sqlite3_close(db_);
}

absl::Status SqliteStore::Load() {
  absl::MutexLock lock(&mu_);
  {
    Statement rev(db_, "SELECT value FROM meta WHERE key='revision'");
    if (sqlite3_step(rev.get()) == SQLITE_ROW) revision_ = sqlite3_column_int64(rev.get(), 0);
  }
  {
    // Kinds whose last write is not recorded (a store from an older
    // version) count as changed at the current revision.
    loaded_revision_ = revision_;
    Statement kinds(db_, "SELECT key, value FROM meta WHERE key LIKE 'revision:%'");
    while (sqlite3_step(kinds.get()) == SQLITE_ROW) {
      const unsigned char* key = sqlite3_column_text(kinds.get(), 0);
      std::string resource = key == nullptr ? "" : std::string(reinterpret_cast<const char*>(key)).substr(9);
      for (const api::KindInfo& k : api::AllKinds()) {
        if (k.QualifiedResource() == resource) evicted_revision_[&k] = sqlite3_column_int64(kinds.get(), 1);
      }
    }
  }
  struct Undecodable {
    std::string resource, namespace_, name, reason;
  };
  std::vector<Undecodable> undecodable;
  size_t count = 0;
  {  // the read statement must be finished before rows move
    Statement rows(db_, "SELECT resource, namespace, name, data FROM objects");
    auto text = [&](int column) {
      const unsigned char* t = sqlite3_column_text(rows.get(), column);
      return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
    };
    while (sqlite3_step(rows.get()) == SQLITE_ROW) {
      std::string resource = text(0);
      const api::KindInfo* kind = nullptr;
      for (const api::KindInfo& k : api::AllKinds()) {
        if (k.QualifiedResource() == resource) kind = &k;
      }
      if (kind == nullptr) {
        undecodable.push_back({resource, text(1), text(2), "is of an unknown resource"});
        continue;
      }
      auto object = kind->New();
      const void* data = sqlite3_column_blob(rows.get(), 3);
      if (!object->ParseFromArray(data, sqlite3_column_bytes(rows.get(), 3))) {
        undecodable.push_back({resource, text(1), text(2), "does not decode"});
        continue;
      }
      const api::ObjectMeta& meta = api::MetaOf(*object);
      objects_[kind][ObjectKey(meta.namespace_(), meta.name())] = std::move(object);
      ++count;
    }
  }
  if (!undecodable.empty()) {
    if (auto s = Exec(db_, "BEGIN IMMEDIATE"); !s.ok()) return s;
    for (const Undecodable& u : undecodable) {
      spdlog::error("store: {} {}/{} {}; moved to the quarantine table of {} and not served", u.resource,
                    u.namespace_, u.name, u.reason, options_.path);
      for (const char* sql :
           {"INSERT INTO quarantine SELECT resource, namespace, name, revision, data, ?4, strftime('%s','now') "
            "FROM objects WHERE resource=?1 AND namespace=?2 AND name=?3",
            "DELETE FROM objects WHERE resource=?1 AND namespace=?2 AND name=?3"}) {
        Statement move(db_, sql);
        sqlite3_bind_text(move.get(), 1, u.resource.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(move.get(), 2, u.namespace_.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(move.get(), 3, u.name.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_bind_parameter_count(move.get()) == 4) {
          sqlite3_bind_text(move.get(), 4, u.reason.c_str(), -1, SQLITE_TRANSIENT);
        }
        if (sqlite3_step(move.get()) != SQLITE_DONE) {
          std::string why = sqlite3_errmsg(db_);
          (void)Exec(db_, "ROLLBACK");
          return absl::DataLossError(absl::StrCat("cannot set aside an undecodable object: ", why));
        }
      }
    }
    if (auto s = Exec(db_, "COMMIT"); !s.ok()) return s;
  }
  Statement quarantined(db_, "SELECT COUNT(*) FROM quarantine");
  if (sqlite3_step(quarantined.get()) == SQLITE_ROW) {
    Metrics().quarantined.Set(static_cast<double>(sqlite3_column_int64(quarantined.get(), 0)));
  }
  spdlog::info("store: loaded {} objects at revision {} from {}", count, revision_, options_.path);
  return absl::OkStatus();
}

absl::StatusOr<ObjectPtr> SqliteStore::Get(const api::KindInfo& kind, absl::string_view namespace_,
                                           absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  auto by_kind = objects_.find(&kind);
  if (by_kind != objects_.end()) {
    auto it = by_kind->second.find(ObjectKey(namespace_, name));
    if (it != by_kind->second.end()) return it->second;
  }
  return api::NotFoundError(kind.QualifiedResource(), name);
}

absl::StatusOr<ListResult> SqliteStore::List(const api::KindInfo& kind, const ListOptions& options) const {
  ListResult result;
  absl::ReaderMutexLock lock(&mu_);
  result.revision = revision_;
  auto by_kind = objects_.find(&kind);
  if (by_kind == objects_.end()) return result;
  const Objects& objects = by_kind->second;
  auto begin = objects.begin();
  auto end = objects.end();
  if (!options.namespace_.empty()) {
    std::string prefix = options.namespace_ + "/";
    begin = objects.lower_bound(prefix);
    end = objects.lower_bound(options.namespace_ + "0");  // '0' follows '/'
  }
  if (!options.start_after.empty() && (begin == end || options.start_after >= begin->first)) {
    begin = objects.upper_bound(options.start_after);
    if (end != objects.end() && (begin == objects.end() || begin->first >= end->first)) begin = end;
  }
  const std::string* pinned_name = options.fields.Pinned("metadata.name");
  for (auto it = begin; it != end; ++it) {
    const api::ObjectMeta& meta = api::MetaOf(*it->second);
    if (pinned_name != nullptr && meta.name() != *pinned_name) continue;
    if (!options.labels.Matches(meta.labels())) continue;
    if (!options.fields.Empty() && !options.fields.Matches(*it->second)) continue;
    if (options.limit > 0 && static_cast<int64_t>(result.items.size()) == options.limit) {
      const api::ObjectMeta& last = api::MetaOf(*result.items.back());
      result.continue_after = ObjectKey(last.namespace_(), last.name());
      break;
    }
    result.items.push_back(it->second);
  }
  return result;
}

int64_t SqliteStore::CurrentRevision() const {
  absl::ReaderMutexLock lock(&mu_);
  return revision_;
}

std::vector<absl::StatusOr<ObjectPtr>> SqliteStore::Commit(std::vector<WriteOp> ops) {
  std::vector<std::future<absl::StatusOr<ObjectPtr>>> futures;
  futures.reserve(ops.size());
  {
    // A group whose ops are not adjacent is refused whole, before any of
    // it is queued.
    absl::flat_hash_map<uint32_t, bool> adjacent;
    for (size_t i = 0; i < ops.size(); ++i) {
      uint32_t g = ops[i].all_or_nothing_group;
      if (g == 0) continue;
      auto [it, added] = adjacent.try_emplace(g, true);
      if (!added && ops[i - 1].all_or_nothing_group != g) it->second = false;
    }
    absl::MutexLock lock(&queue_mu_);
    absl::flat_hash_map<uint32_t, uint64_t> groups;
    for (WriteOp& op : ops) {
      uint64_t group = 0;
      bool split = false;
      if (op.all_or_nothing_group != 0) {
        auto [it, added] = groups.try_emplace(op.all_or_nothing_group, 0);
        if (added) it->second = ++next_group_;
        group = it->second;
        split = !adjacent[op.all_or_nothing_group];
      }
      Pending p{std::move(op), {}, group};
      futures.push_back(p.done.get_future());
      if (!accepting_) {
        p.done.set_value(absl::UnavailableError("the store is shutting down"));
        continue;
      }
      if (split) {
        p.done.set_value(absl::InvalidArgumentError("the ops of an all-or-nothing group must be adjacent"));
        continue;
      }
      queue_.push_back(std::move(p));
    }
    Metrics().queue_depth.Set(static_cast<double>(queue_.size()));
  }
  std::vector<absl::StatusOr<ObjectPtr>> results;
  results.reserve(futures.size());
  for (auto& f : futures) results.push_back(f.get());
  return results;
}

void SqliteStore::Shutdown() {
  {
    absl::MutexLock lock(&queue_mu_);
    if (!accepting_) return;
    accepting_ = false;
  }
  writer_.request_stop();
  if (writer_.joinable()) writer_.join();
  absl::MutexLock lock(&mu_);
  for (auto& [kind, list] : watchers_) {
    for (auto& w : list) {
      if (auto stream = w.lock()) stream->Cancel();
    }
  }
  watchers_.clear();
}

void SqliteStore::WriterLoop(std::stop_token stop) {
  // Wake the wait below when a stop is requested.
  std::stop_callback wake(stop, [this] { absl::MutexLock lock(&queue_mu_); });
  while (true) {
    std::vector<Pending> batch;
    {
      absl::MutexLock lock(&queue_mu_);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
        return !queue_.empty() || stop.stop_requested();
      };
      queue_mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopped and drained
      // Everything that arrived while the previous batch was committing goes
      // into this one: batching without waiting.
      size_t n = std::min(queue_.size(), options_.max_batch);
      while (n < queue_.size() && queue_[n].group != 0 && queue_[n].group == queue_[n - 1].group) ++n;
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) batch.push_back(std::move(queue_[i]));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      Metrics().queue_depth.Set(static_cast<double>(queue_.size()));
    }
    // Only deletes leave free pages behind: the check stays off the create/update path.
    bool deletes = std::any_of(batch.begin(), batch.end(),
                               [](const Pending& p) { return p.op.type == WriteOp::Type::kDelete; });
    CommitBatch(batch);
    if (deletes) ReclaimFreePages();
  }
}

void SqliteStore::ReclaimFreePages() {
  // SQLite reuses the pages deleted objects free but never gives them back
  // to the file system; once they are a quarter of the file (and at least
  // 1 MiB of 4 KiB pages), hand them back.
  auto pragma = [&](const char* sql) {
    Statement s(db_, sql);
    return sqlite3_step(s.get()) == SQLITE_ROW ? sqlite3_column_int64(s.get(), 0) : 0;
  };
  int64_t free_pages = pragma("PRAGMA freelist_count");
  if (free_pages < 256 || free_pages * 4 < pragma("PRAGMA page_count")) return;
  if (absl::Status s = Exec(db_, "PRAGMA incremental_vacuum"); !s.ok()) spdlog::warn("store: {}", s);
}

void SqliteStore::CommitBatch(std::vector<Pending>& batch) {
  // Decide each write against committed state plus the earlier writes of
  // this batch. Only this thread mutates state, so reading it under a
  // shared lock and publishing later is race-free.
  BatchDecisions d(batch.size());
  {
    absl::ReaderMutexLock lock(&mu_);
    d.revision = revision_;
  }
  // An all-or-nothing group is decided like the rest, then undone as a
  // whole if any of its ops failed.
  std::vector<OverlayUndo> undo;
  int64_t group_revision = 0;
  size_t group_writes = 0;
  size_t group_start = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const uint64_t group = batch[i].group;
    if (group != 0 && (i == 0 || batch[i - 1].group != group)) {
      undo.clear();
      group_revision = d.revision;
      group_writes = d.writes.size();
      group_start = i;
    }
    Decide(batch, i, d, group != 0 ? &undo : nullptr);
    const bool group_ends = group != 0 && (i + 1 == batch.size() || batch[i + 1].group != group);
    if (!group_ends) continue;
    auto end = d.outcome.begin() + static_cast<std::ptrdiff_t>(i + 1);
    auto failed = std::find_if(d.outcome.begin() + static_cast<std::ptrdiff_t>(group_start), end,
                               [](const absl::Status& st) { return !st.ok(); });
    if (failed == end) continue;
    absl::Status aborted = absl::AbortedError(
        absl::StrCat("not written: another write of its all-or-nothing group failed: ", failed->message()));
    for (auto u = undo.rbegin(); u != undo.rend(); ++u) {
      if (u->overlay) {
        d.overlay[u->key] = *u->overlay;
      } else {
        d.overlay.erase(u->key);
      }
    }
    d.revision = group_revision;
    d.writes.resize(group_writes);
    for (size_t j = group_start; j <= i; ++j) {
      if (d.outcome[j].ok()) d.outcome[j] = aborted;
      d.results[j] = nullptr;
      d.previous[j] = nullptr;
    }
  }
  Finish(batch, d);
}

void SqliteStore::Decide(std::vector<Pending>& batch, size_t i, BatchDecisions& d, std::vector<OverlayUndo>* undo) {
  WriteOp& op = batch[i].op;
  std::string resource = op.kind->QualifiedResource();
  std::string key = absl::StrCat(resource, "|", ObjectKey(op.namespace_, op.name));
  ObjectPtr current;
  if (auto it = d.overlay.find(key); it != d.overlay.end()) {
    current = it->second;
  } else {
    absl::ReaderMutexLock lock(&mu_);
    auto by_kind = objects_.find(op.kind);
    if (by_kind != objects_.end()) {
      auto found = by_kind->second.find(ObjectKey(op.namespace_, op.name));
      if (found != by_kind->second.end()) current = found->second;
    }
  }
  absl::Status status = CheckWrite(op, current.get(), resource);
  d.outcome[i] = status;
  if (!status.ok()) return;
  ++d.revision;
  std::unique_ptr<google::protobuf::Message> stored;
  if (op.type == WriteOp::Type::kDelete) {
    stored.reset(current->New());
    stored->CopyFrom(*current);
  } else {
    stored = std::move(op.object);
  }
  api::MutableMetaOf(stored.get())->set_resource_version(std::to_string(d.revision));
  d.results[i] = std::shared_ptr<const google::protobuf::Message>(std::move(stored));
  d.previous[i] = current;
  if (undo != nullptr) {
    auto it = d.overlay.find(key);
    undo->push_back({key, it == d.overlay.end() ? std::nullopt : std::optional<ObjectPtr>(it->second)});
  }
  d.overlay[key] = op.type == WriteOp::Type::kDelete ? nullptr : d.results[i];
  d.writes.push_back(&batch[i]);
}

void SqliteStore::Finish(std::vector<Pending>& batch, BatchDecisions& d) {
  const std::vector<Pending*>& writes = d.writes;
  std::vector<absl::Status>& outcome = d.outcome;
  const std::vector<ObjectPtr>& results = d.results;
  const std::vector<ObjectPtr>& previous = d.previous;
  const int64_t revision = d.revision;
  std::vector<ObjectPtr> written;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (outcome[i].ok()) written.push_back(results[i]);
  }
  if (!writes.empty()) {
    auto start = std::chrono::steady_clock::now();
    absl::Status persisted = Persist(writes, written, revision);
    Metrics().commit_seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    Metrics().batch_size.Observe(static_cast<double>(writes.size()));
    if (!persisted.ok()) {
      spdlog::error("store: commit of {} writes failed: {}", writes.size(), persisted.message());
      for (size_t i = 0; i < batch.size(); ++i) {
        if (outcome[i].ok()) outcome[i] = persisted;
      }
    } else {
      std::vector<std::shared_ptr<WatchStream>> to_flush;
      {
        absl::MutexLock lock(&mu_);
        revision_ = revision;
        for (size_t i = 0; i < batch.size(); ++i) {
          if (!outcome[i].ok()) continue;
          const WriteOp& op = batch[i].op;
          Objects& objects = objects_[op.kind];
          std::string key = ObjectKey(op.namespace_, op.name);
          int64_t rev = std::stoll(api::MetaOf(*results[i]).resource_version());
          WatchEvent::Type type;
          if (op.type == WriteOp::Type::kDelete) {
            objects.erase(key);
            type = WatchEvent::Type::kDeleted;
          } else {
            objects[key] = results[i];
            type = op.type == WriteOp::Type::kCreate ? WatchEvent::Type::kAdded : WatchEvent::Type::kModified;
          }
          Publish(*op.kind, type, results[i], previous[i], rev, to_flush);
        }
      }
      for (const auto& stream : to_flush) stream->Flush();
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    const char* op = OpName(batch[i].op.type);
    Metrics().writes.WithLabels({op, outcome[i].ok() ? "ok" : api::DetailsOf(outcome[i]).reason}).Inc();
    if (outcome[i].ok()) {
      batch[i].done.set_value(results[i]);
    } else {
      batch[i].done.set_value(outcome[i]);
    }
  }
}

absl::Status SqliteStore::Persist(const std::vector<Pending*>& writes,
                                  const std::vector<ObjectPtr>& results, int64_t revision) {
  absl::Status s = Exec(db_, "BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  Statement upsert(db_, "INSERT OR REPLACE INTO objects (resource, namespace, name, revision, data) "
                        "VALUES (?, ?, ?, ?, ?)");
  Statement remove(db_, "DELETE FROM objects WHERE resource=? AND namespace=? AND name=?");
  Statement meta(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('revision', ?)");
  Statement kind_meta(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  absl::flat_hash_map<const api::KindInfo*, int64_t> kinds;  // each kind's last write in this batch
  std::string blob;
  for (size_t i = 0; i < writes.size() && s.ok(); ++i) {
    const WriteOp& op = writes[i]->op;
    int64_t& last = kinds[op.kind];
    last = std::max<int64_t>(last, std::stoll(api::MetaOf(*results[i]).resource_version()));
    std::string resource = op.kind->QualifiedResource();
    sqlite3_stmt* st = op.type == WriteOp::Type::kDelete ? remove.get() : upsert.get();
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, resource.data(), static_cast<int>(resource.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, op.namespace_.data(), static_cast<int>(op.namespace_.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, op.name.data(), static_cast<int>(op.name.size()), SQLITE_TRANSIENT);
    if (op.type != WriteOp::Type::kDelete) {
      blob.clear();
      results[i]->SerializeToString(&blob);
      sqlite3_bind_int64(st, 4, std::stoll(api::MetaOf(*results[i]).resource_version()));
      sqlite3_bind_blob(st, 5, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
      s = absl::InternalError(absl::StrCat("sqlite write: ", sqlite3_errmsg(db_)));
    }
  }
  if (s.ok()) {
    sqlite3_bind_int64(meta.get(), 1, revision);
    if (sqlite3_step(meta.get()) != SQLITE_DONE) {
      s = absl::InternalError(absl::StrCat("sqlite write: ", sqlite3_errmsg(db_)));
    }
  }
  // Each kind's last write, so a watch of a kind nothing changed of since its
  // revision resumes across a restart instead of being told to relist.
  for (const auto& [kind, last] : kinds) {
    if (!s.ok()) break;
    std::string key = absl::StrCat("revision:", kind->QualifiedResource());
    sqlite3_reset(kind_meta.get());
    sqlite3_bind_text(kind_meta.get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(kind_meta.get(), 2, last);
    if (sqlite3_step(kind_meta.get()) != SQLITE_DONE) {
      s = absl::InternalError(absl::StrCat("sqlite write: ", sqlite3_errmsg(db_)));
    }
  }
  if (s.ok()) s = Exec(db_, "COMMIT");
  if (!s.ok()) (void)Exec(db_, "ROLLBACK");
  return s;
}

void SqliteStore::Publish(const api::KindInfo& kind, WatchEvent::Type type, const ObjectPtr& object,
                          const ObjectPtr& previous, int64_t revision,
                          std::vector<std::shared_ptr<WatchStream>>& to_flush) {
  ring_.push_back({&kind, type, object, previous, revision});
  if (ring_.size() > options_.event_ring) {
    evicted_revision_[ring_.front().kind] = ring_.front().revision;
    ring_.pop_front();
  }
  auto it = watchers_.find(&kind);
  if (it == watchers_.end()) return;
  auto& list = it->second;
  for (size_t i = 0; i < list.size();) {
    auto stream = list[i].lock();
    if (!stream || stream->ended()) {
      list[i] = std::move(list.back());
      list.pop_back();
      continue;
    }
    if (stream->Offer(type, object, previous, revision)) to_flush.push_back(std::move(stream));
    ++i;
  }
}

absl::StatusOr<std::shared_ptr<WatchStream>> SqliteStore::Watch(const api::KindInfo& kind,
                                                                ListOptions options,
                                                                int64_t from_revision) {
  auto stream = std::make_shared<WatchStream>(options.namespace_, std::move(options.labels),
                                              std::move(options.fields), options_.watch_queue_limit);
  absl::MutexLock lock(&mu_);
  if (from_revision <= 0) {
    auto by_kind = objects_.find(&kind);
    if (by_kind != objects_.end()) {
      for (const auto& [key, object] : by_kind->second) {
        stream->Offer(WatchEvent::Type::kAdded, object, nullptr,
                      std::stoll(api::MetaOf(*object).resource_version()));
      }
    }
  } else if (from_revision < revision_) {
    int64_t oldest = ring_.empty() ? revision_ + 1 : ring_.front().revision;
    // History is missing only if a change of this kind after from_revision
    // has left the ring (or predates it, from before a restart).
    auto evicted = evicted_revision_.find(&kind);
    if ((evicted == evicted_revision_.end() ? loaded_revision_ : evicted->second) > from_revision) {
      return api::ExpiredError(absl::StrCat("too old resource version: ", from_revision, " (",
                                            oldest - 1, ")"));
    }
    auto first = std::lower_bound(ring_.begin(), ring_.end(), from_revision + 1,
                                  [](const RingEvent& e, int64_t rev) { return e.revision < rev; });
    for (auto it = first; it != ring_.end(); ++it) {
      if (it->kind == &kind) stream->Offer(it->type, it->object, it->previous, it->revision);
    }
  }
  stream->Flush();
  watchers_[&kind].push_back(stream);
  return stream;
}

}  // namespace gantry::store
