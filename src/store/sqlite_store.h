// The SQLite backend: current state in memory for reads, SQLite (WAL,
// synchronous=FULL) as the durable record, one writer thread doing group
// commit, and a ring of recent events for watch replay.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <deque>
#include <future>
#include <map>
#include <thread>

#include "store/store.h"

struct sqlite3;

namespace gantry::store {

class SqliteStore final : public Store {
 public:
  struct Options {
    std::string path;                 // the database file
    size_t max_batch = 1024;          // writes per transaction at most
    size_t event_ring = 50000;        // events kept for watch replay
    size_t watch_queue_limit = 100000;
  };

  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(Options options);
  ~SqliteStore() override;

  absl::StatusOr<ObjectPtr> Get(const api::KindInfo& kind, absl::string_view namespace_,
                                absl::string_view name) const override;
  absl::StatusOr<ListResult> List(const api::KindInfo& kind, const ListOptions& options) const override;
  std::vector<absl::StatusOr<ObjectPtr>> Commit(std::vector<WriteOp> ops) override;
  absl::StatusOr<std::shared_ptr<WatchStream>> Watch(const api::KindInfo& kind, ListOptions options,
                                                     int64_t from_revision) override;
  int64_t CurrentRevision() const override;

  // Finishes the writes already queued, then refuses new ones.
  void Shutdown();

 private:
  struct Pending {
    WriteOp op;
    std::promise<absl::StatusOr<ObjectPtr>> done;
  };
  struct RingEvent {
    const api::KindInfo* kind;
    WatchEvent::Type type;
    ObjectPtr object;
    ObjectPtr previous;
    int64_t revision;
  };
  using Objects = std::map<std::string, ObjectPtr>;  // "namespace/name" -> object

  explicit SqliteStore(Options options, sqlite3* db);
  absl::Status Load();
  void WriterLoop(std::stop_token stop);
  void CommitBatch(std::vector<Pending>& batch);
  absl::Status Persist(const std::vector<Pending*>& writes, const std::vector<ObjectPtr>& results,
                       int64_t revision);
  void Publish(const api::KindInfo& kind, WatchEvent::Type type, const ObjectPtr& object,
               const ObjectPtr& previous, int64_t revision) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  sqlite3* const db_;  // used by the writer thread only (and Load before it starts)

  mutable absl::Mutex mu_;
  absl::flat_hash_map<const api::KindInfo*, Objects> objects_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<RingEvent> ring_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<const api::KindInfo*, std::vector<std::weak_ptr<WatchStream>>> watchers_
      ABSL_GUARDED_BY(mu_);

  absl::Mutex queue_mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool accepting_ ABSL_GUARDED_BY(queue_mu_) = true;

  std::jthread writer_;
};

}  // namespace gantry::store
