// The SQLite backend: current state in memory for reads, SQLite (WAL,
// synchronous=FULL) as the durable record, one writer thread doing group
// commit, and a ring of recent events for watch replay.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <deque>
#include <future>
#include <map>
#include <optional>
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
    // Unique across Commit calls; the ops of a group sit next to each other
    // in the queue and are never split across batches.
    uint64_t group = 0;
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
  // Returns the file's free pages to the file system once they are many.
  void ReclaimFreePages();
  // What deciding a batch's writes has produced so far.
  struct BatchDecisions {
    explicit BatchDecisions(size_t n) : outcome(n), results(n), previous(n) {}
    absl::flat_hash_map<std::string, ObjectPtr> overlay;  // key -> object, nullptr if deleted
    std::vector<absl::Status> outcome;
    std::vector<ObjectPtr> results;
    std::vector<ObjectPtr> previous;
    std::vector<Pending*> writes;
    int64_t revision = 0;
  };
  // An overlay entry as it was before a write of an all-or-nothing group.
  struct OverlayUndo {
    std::string key;
    std::optional<ObjectPtr> overlay;  // nullopt: the key was not in the overlay
  };
  void CommitBatch(std::vector<Pending>& batch);
  // Decides write `i` against the state plus the overlay; records how to
  // undo it in `undo` when given.
  void Decide(std::vector<Pending>& batch, size_t i, BatchDecisions& d, std::vector<OverlayUndo>* undo);
  // Persists what was decided, publishes it and answers every write.
  void Finish(std::vector<Pending>& batch, BatchDecisions& d);
  absl::Status Persist(const std::vector<Pending*>& writes, const std::vector<ObjectPtr>& results,
                       int64_t revision);
  // Queues the event on every watcher of its kind; the ones that need a
  // Flush once the batch is published are added to `to_flush`.
  void Publish(const api::KindInfo& kind, WatchEvent::Type type, const ObjectPtr& object,
               const ObjectPtr& previous, int64_t revision,
               std::vector<std::shared_ptr<WatchStream>>& to_flush) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  sqlite3* const db_;  // used by the writer thread only (and Load before it starts)

  mutable absl::Mutex mu_;
  absl::flat_hash_map<const api::KindInfo*, Objects> objects_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<RingEvent> ring_ ABSL_GUARDED_BY(mu_);
  // Each kind's last write no longer in the ring: evicted from it, or from
  // before this process (each kind's last write is kept in the meta table);
  // a kind absent here last changed at or before loaded_revision_.
  absl::flat_hash_map<const api::KindInfo*, int64_t> evicted_revision_ ABSL_GUARDED_BY(mu_);
  int64_t loaded_revision_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<const api::KindInfo*, std::vector<std::weak_ptr<WatchStream>>> watchers_
      ABSL_GUARDED_BY(mu_);

  absl::Mutex queue_mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool accepting_ ABSL_GUARDED_BY(queue_mu_) = true;
  uint64_t next_group_ ABSL_GUARDED_BY(queue_mu_) = 0;

  std::jthread writer_;
};

}  // namespace gantry::store
