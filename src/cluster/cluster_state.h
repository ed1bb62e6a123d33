// The shared scheduling state: the node table fed by store watches, with
// every bound pod charged to its node and every pod the binder has assumed
// (placed but not yet persisted) charged too, so shards never see a slot
// twice. Watchers never poll: one thread per watched kind applies events.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>
#include <absl/functional/function_ref.h>
#include <absl/synchronization/mutex.h>
#include <absl/types/span.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "cluster/node_table.h"
#include "cluster/snapshot.h"
#include "store/store.h"

namespace gantry::cluster {

class ClusterState {
 public:
  explicit ClusterState(store::Store& store);
  ~ClusterState();

  // Starts watching nodes and pods from the beginning of the current state.
  absl::Status Start();
  void Stop();

  // Runs `fn(const NodeTable&)` under the read lock.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    absl::ReaderMutexLock lock(&mu_);
    return fn(nodes_);
  }

  // Brings `snapshot` up to date; false when it already was.
  bool Refresh(Snapshot& snapshot) const;

  // The binder's optimistic placement, charged at once. `check` runs first,
  // under the same exclusive lock, against the authoritative table (the
  // node's index is passed); its error rejects the placement. A later watch
  // event binding the same pod to the same node turns it into a bound pod
  // without charging twice; Forget releases an assumption whose binding failed.
  // `displacing` names pods ("namespace/name") being preempted for this
  // one: `check` sees the node without them, though they stay charged
  // until they are gone.
  using PlacementCheck = absl::FunctionRef<absl::Status(const NodeTable&, uint32_t)>;
  absl::Status Assume(std::shared_ptr<const api::Pod> pod, const std::string& node, PlacementCheck check,
                      absl::Span<const std::string> displacing = {});
  void Forget(const api::Pod& pod);

  // Puts a node into a shard's partition (the dispatcher's shuffler
  // decides); remembered for a node this state has not seen yet.
  void SetPartition(const std::string& node, int16_t partition);

  // Called on the pod feed's thread, without the lock, after a pod's
  // deletion has been applied (the binder waits for preemption victims to
  // go). Set before Start.
  void SetPodDeletedListener(std::function<void()> listener) { pod_deleted_ = std::move(listener); }

  // Changes applied so far (every node or pod event bumps it).
  uint64_t version() const { return version_.load(); }

 private:
  struct Charge {
    std::string node;
    PodUsage usage;
    bool assumed = false;
  };

  // Applies each event of `stream` under the lock until stopped or ended.
  void Feed(std::stop_token stop, store::WatchStream& stream, const char* what,
            void (ClusterState::*apply)(const store::WatchEvent&));
  void ApplyNode(const store::WatchEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyPod(const store::WatchEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ChargeWaitingPods(const std::string& node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Store& store_;
  mutable absl::Mutex mu_;
  NodeTable nodes_ ABSL_GUARDED_BY(mu_);
  // pod "namespace/name" -> what it takes and where; charged only while its
  // node is known (pods whose node is not registered yet wait here).
  // One entry per pod: node-based, so growing the table moves pointers, not
  // ~240-byte slots (with flat slots each doubling past 100,000s of pods
  // stalled scheduling for seconds, mostly in page faults of the new table).
  absl::node_hash_map<std::string, Charge> charges_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int16_t> partitions_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> version_{0};
  std::function<void()> pod_deleted_;
  std::jthread node_feed_;
  std::jthread pod_feed_;
  std::shared_ptr<store::WatchStream> node_stream_;
  std::shared_ptr<store::WatchStream> pod_stream_;
};

}  // namespace gantry::cluster
