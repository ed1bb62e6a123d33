// The dispatcher: watches pods, nodes and PodGroups (every shape), keeps
// every pending pod of this scheduler as a unit of its own or as a member
// of its gang, holds a gang until it is ready (its PodGroup exists, minMember
// pods exist, minResources fit the cluster), orders units by the sorting
// policy and hands each to the least-loaded shard; takes back what shards
// and the binder could not place (backoff, or at once after a conflict). It
// also runs the node shuffler, recording each node's partition in the
// cluster state.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_state.h"
#include "common/metrics.h"
#include "dispatcher/backoff_queue.h"
#include "dispatcher/gang_tracker.h"
#include "dispatcher/namespace_shares.h"
#include "dispatcher/node_shuffler.h"
#include "dispatcher/shard_queue.h"
#include "dispatcher/sorting_policy.h"
#include "dispatcher/unit.h"
#include "dispatcher/unit_progress.h"
#include "store/store.h"

namespace gantry::dispatcher {

struct DispatcherOptions {
  int shards = 1;
  // Comma-separated: the spec.schedulerName values this scheduler takes
  // (besides empty), e.g. "gantry,katalyst-scheduler,koord-scheduler" for
  // manifests written for those schedulers.
  std::string scheduler_name = "gantry";
  std::string sorting_policy = "fifo";
  size_t shard_queue_capacity = 32;
  // Told why a pod waits before it reaches a shard (its gang is not ready).
  PendingReasonSink* pending_reasons = nullptr;
};

class Dispatcher final : public SchedulingFeedback {
 public:
  static absl::StatusOr<std::unique_ptr<Dispatcher>> Create(DispatcherOptions options, store::Store& store,
                                                            cluster::ClusterState& cluster);
  ~Dispatcher() override;

  absl::Status Start();
  void Stop();

  ShardQueue& shard_queue(int shard) { return *shard_queues_[static_cast<size_t>(shard)]; }
  int shards() const { return static_cast<int>(shard_queues_.size()); }

  void Bound(const Unit& unit) override;
  void Unschedulable(const Unit& unit, const std::string& reason) override;
  void Conflict(const Unit& unit) override;
  void Retry(const Unit& unit) override;

 private:
  using State = UnitProgress::State;
  struct Tracked {
    UnitProgress progress;
    std::shared_ptr<const api::Pod> pod;
    std::string gang;  // the gang's key when the pod is a member
  };

  Dispatcher(DispatcherOptions options, store::Store& store, cluster::ClusterState& cluster);

  void WatchPods(std::stop_token stop, store::WatchStream& stream);
  void WatchNodes(std::stop_token stop, store::WatchStream& stream);
  void OnPod(const store::WatchEvent& event);
  void OnNode(const store::WatchEvent& event);
  void OnPodGroup(const store::WatchEvent& event);
  void DispatchLoop(std::stop_token stop);

  bool Ours(const api::Pod& pod) const;
  // Queues a pod or gang by its key (progress.seq marks the entry).
  void Enqueue(const std::string& key, const UnitProgress& progress) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The progress of the pod or gang `key`, or nullptr.
  UnitProgress* Find(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finds the in-flight record of `unit`, or nullptr when it is stale.
  UnitProgress* InFlight(const Unit& unit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues a waiting gang once it is ready; otherwise tells its pods why not.
  void ConsiderGang(const std::string& key, GangTracker::Gang& gang) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Builds the unit for the queued pod or gang `key`, or nullopt when
  // there is nothing to schedule under it any more.
  std::optional<Unit> TakeUnit(const std::string& key, uint64_t seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseShares(const Unit& unit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseBackoff() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishDepths() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Wake();
  // Wakes the loop if anything was queued since it last looked: queueing
  // only marks the wake-up owed, so a watch batch costs the loop one wake.
  void WakeIfOwed();

  const DispatcherOptions options_;
  store::Store& store_;
  cluster::ClusterState& cluster_;
  std::vector<std::unique_ptr<ShardQueue>> shard_queues_;

  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Tracked> pending_ ABSL_GUARDED_BY(mu_);
  GangTracker gangs_ ABSL_GUARDED_BY(mu_);
  NamespaceShares shares_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<SortingPolicy> policy_ ABSL_GUARDED_BY(mu_);  // may read shares_
  BackoffQueue backoff_ ABSL_GUARDED_BY(mu_);
  NodeShuffler shuffler_ ABSL_GUARDED_BY(mu_);
  // Node name -> the node last seen, to tell a relevant change from a heartbeat.
  absl::flat_hash_map<std::string, std::shared_ptr<const api::Node>> nodes_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  size_t next_shard_ ABSL_GUARDED_BY(mu_) = 0;

  // Wake() is called with mu_ held (Enqueue) and from shard threads, so the
  // loop's wake-up flag has its own mutex. std::mutex rather than
  // absl::Mutex: the loop waits on a condition_variable_any with its stop token.
  std::mutex wake_mu_;
  std::condition_variable_any wake_;
  bool woken_ = false;
  std::atomic<bool> wake_owed_{false};

  metrics::Gauge& active_depth_;
  metrics::Gauge& backoff_depth_;
  metrics::Gauge& in_flight_depth_;

  std::shared_ptr<store::WatchStream> pod_stream_;
  std::shared_ptr<store::WatchStream> node_stream_;
  std::vector<std::shared_ptr<store::WatchStream>> pod_group_streams_;  // one per PodGroup shape
  std::jthread pod_watch_;
  std::jthread node_watch_;
  std::vector<std::jthread> pod_group_watches_;
  std::jthread loop_;
};

}  // namespace gantry::dispatcher
