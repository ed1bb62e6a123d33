#include "dispatcher/dispatcher.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "api/kinds.h"
#include "common/log_format.h"
#include "dispatcher/pipeline_metrics.h"

namespace gantry::dispatcher {
namespace {

std::string PodKey(const api::Pod& pod) { return absl::StrCat(pod.metadata().namespace_(), "/", pod.metadata().name()); }

bool Terminal(const api::Pod& pod) {
  const std::string& phase = pod.status().phase();
  return phase == "Succeeded" || phase == "Failed";
}

// Changes that can make a waiting pod fit: labels, spec or allocatable; not
// heartbeats or conditions.
bool SchedulingRelevantChange(const api::Node& before, const api::Node& after) {
  if (!cluster::SameStaticProperties(before, after)) return true;
  const auto& a = before.status().allocatable();
  const auto& b = after.status().allocatable();
  return a.size() != b.size() || !std::all_of(a.begin(), a.end(), [&](const auto& kv) {
    auto it = b.find(kv.first);
    return it != b.end() && it->second == kv.second;
  });
}

// Feeds `stream` into `apply` until stopped; logs why a watch ended.
template <typename Apply>
void Follow(std::stop_token stop, store::WatchStream& stream, const char* what, Apply apply) {
  store::WatchEvent event;
  while (!stop.stop_requested()) {
    auto got = stream.Next(&event, absl::Milliseconds(200));
    if (!got.ok()) {
      if (got.status().code() != absl::StatusCode::kCancelled) {
        spdlog::error("dispatcher: {} watch ended: {}", what, got.status());
      }
      return;
    }
    if (*got) apply(event);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Dispatcher>> Dispatcher::Create(DispatcherOptions options, store::Store& store,
                                                                cluster::ClusterState& cluster) {
  if (options.shards < 1) return absl::InvalidArgumentError("scheduler-shards must be at least 1");
  auto d = std::unique_ptr<Dispatcher>(new Dispatcher(std::move(options), store, cluster));
  // The fair-share policy reads the dispatcher's own shares.
  auto policy = NewSortingPolicy(d->options_.sorting_policy, d->shares_);
  if (!policy.ok()) return policy.status();
  d->policy_ = *std::move(policy);
  return d;
}

Dispatcher::Dispatcher(DispatcherOptions options, store::Store& store, cluster::ClusterState& cluster)
    : options_(std::move(options)),
      store_(store),
      cluster_(cluster),
      shuffler_(options_.shards),
      active_depth_(Metrics().queue_depth.WithLabels({"active"})),
      backoff_depth_(Metrics().queue_depth.WithLabels({"backoff"})),
      in_flight_depth_(Metrics().queue_depth.WithLabels({"in-flight"})) {
  for (int i = 0; i < options_.shards; ++i) {
    shard_queues_.push_back(std::make_unique<ShardQueue>(
        options_.shard_queue_capacity, [this] { Wake(); },
        Metrics().queue_depth.WithLabels({absl::StrCat("shard-", i)})));
  }
}

Dispatcher::~Dispatcher() { Stop(); }

absl::Status Dispatcher::Start() {
  auto nodes = store_.Watch(*api::FindKindByResource("", "v1", "nodes"), {}, 0);
  if (!nodes.ok()) return nodes.status();
  auto pods = store_.Watch(*api::FindKindByResource("", "v1", "pods"), {}, 0);
  if (!pods.ok()) return pods.status();
  node_stream_ = *nodes;
  pod_stream_ = *pods;
  node_watch_ = std::jthread([this, s = node_stream_](std::stop_token stop) {
    Follow(stop, *s, "node", [this](const store::WatchEvent& e) { OnNode(e); });
  });
  pod_watch_ = std::jthread([this, s = pod_stream_](std::stop_token stop) {
    Follow(stop, *s, "pod", [this](const store::WatchEvent& e) { OnPod(e); });
  });
  loop_ = std::jthread([this](std::stop_token stop) { DispatchLoop(stop); });
  spdlog::info("dispatcher: {} shard(s), sorting policy {}, scheduler name {}", options_.shards,
               options_.sorting_policy, options_.scheduler_name);
  return absl::OkStatus();
}

void Dispatcher::Stop() {
  for (auto* t : {&loop_, &pod_watch_, &node_watch_}) t->request_stop();
  if (pod_stream_) pod_stream_->Cancel();
  if (node_stream_) node_stream_->Cancel();
  for (auto* t : {&loop_, &pod_watch_, &node_watch_}) {
    if (t->joinable()) t->join();
  }
}

bool Dispatcher::Ours(const api::Pod& pod) const {
  const std::string& name = pod.spec().scheduler_name();
  return name.empty() || name == options_.scheduler_name;
}

void Dispatcher::OnPod(const store::WatchEvent& event) {
  auto pod = std::static_pointer_cast<const api::Pod>(event.object);
  std::string key = PodKey(*pod);
  bool deleted = event.type == store::WatchEvent::Type::kDeleted;
  bool bound = !pod->spec().node_name().empty();
  std::lock_guard lock(mu_);
  if (deleted || bound || Terminal(*pod) || !pod->metadata().deletion_timestamp().empty()) {
    if (auto it = pending_.find(key); it != pending_.end()) {
      if (it->second.state == State::kInFlight) --in_flight_;
      pending_.erase(it);  // its queue entries go stale
    }
    if (bound && !deleted && !Terminal(*pod)) {
      auto requests = cluster::PodRequests(pod->spec());
      if (requests.ok()) shares_.Charge(key, pod->metadata().namespace_(), *requests);
    } else {
      shares_.Release(key);
      // A bound pod that ends frees room on its node.
      if (bound) ReleaseBackoff();
    }
    PublishDepths();
    return;
  }
  if (!Ours(*pod)) return;
  auto [it, inserted] = pending_.try_emplace(key);
  it->second.pod = pod;
  if (!inserted) return;  // newer version of a pod already being handled
  it->second.seq = ++next_seq_;
  it->second.first_seen = absl::Now();
  Enqueue(key, it->second);
}

void Dispatcher::OnNode(const store::WatchEvent& event) {
  auto node = std::static_pointer_cast<const api::Node>(event.object);
  const std::string& name = node->metadata().name();
  NodeShuffler::Moves moves;
  {
    std::lock_guard lock(mu_);
    if (event.type == store::WatchEvent::Type::kDeleted) {
      nodes_.erase(name);
      shares_.RemoveNode(name);
      moves = shuffler_.Remove(name);
    } else {
      auto [it, added] = nodes_.try_emplace(name, node);
      bool relevant = added || SchedulingRelevantChange(*it->second, *node);
      it->second = node;
      if (auto allocatable = cluster::NodeAllocatable(node->status()); allocatable.ok()) {
        shares_.SetNode(name, *allocatable);
      }
      if (added) moves = shuffler_.Add(name);
      if (relevant) ReleaseBackoff();
    }
  }
  for (const auto& [n, partition] : moves) cluster_.SetPartition(n, partition);
}

void Dispatcher::Enqueue(const std::string& key, const Tracked& t) {
  const auto& pod = *t.pod;
  policy_->Push({key, pod.metadata().namespace_(), pod.spec().has_priority() ? pod.spec().priority() : 0, t.seq});
  Wake();
}

void Dispatcher::ReleaseBackoff() {
  for (auto& entry : backoff_.TakeAll()) {
    auto it = pending_.find(entry.key);
    if (it == pending_.end() || it->second.seq != entry.seq || it->second.state != State::kBackoff) continue;
    it->second.state = State::kQueued;
    Enqueue(entry.key, it->second);
  }
}

void Dispatcher::Wake() {
  {
    std::lock_guard lock(wake_mu_);
    woken_ = true;
  }
  wake_.notify_one();
}

void Dispatcher::DispatchLoop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::optional<Unit> unit;
    ShardQueue* target = nullptr;
    absl::Time next_ready;
    {
      std::lock_guard lock(mu_);
      for (auto& entry : backoff_.TakeReady(absl::Now())) {
        auto it = pending_.find(entry.key);
        if (it == pending_.end() || it->second.seq != entry.seq || it->second.state != State::kBackoff) continue;
        it->second.state = State::kQueued;
        Enqueue(entry.key, it->second);
      }
      // The shallowest queue; ties go round-robin, or an idle pipeline would
      // feed shard 0 alone and fill its partition first.
      size_t n = shard_queues_.size();
      size_t chosen = n;
      for (size_t k = 0; k < n; ++k) {
        size_t i = (next_shard_ + k) % n;
        ShardQueue& q = *shard_queues_[i];
        if (q.depth() < q.capacity() && (target == nullptr || q.depth() < target->depth())) {
          target = &q;
          chosen = i;
        }
      }
      while (target != nullptr && !unit) {
        auto entry = policy_->Pop();
        if (!entry) break;
        auto it = pending_.find(entry->key);
        if (it == pending_.end() || it->second.seq != entry->seq || it->second.state != State::kQueued) continue;
        Tracked& t = it->second;
        t.state = State::kInFlight;
        ++t.attempts;
        ++in_flight_;
        unit = Unit{entry->key, t.pod, t.seq, t.attempts, t.conflicts, t.first_seen};
        next_shard_ = chosen + 1;
        if (auto requests = cluster::PodRequests(t.pod->spec()); requests.ok()) {
          shares_.Charge(entry->key, entry->namespace_, *requests);
        }
      }
      PublishDepths();
      next_ready = backoff_.NextReady();
    }
    if (unit) {
      target->TryPush(*std::move(unit));  // only this thread pushes: the room is still there
      continue;
    }
    std::unique_lock lock(wake_mu_);
    auto woken = [this] { return woken_; };
    if (next_ready == absl::InfiniteFuture()) {
      wake_.wait(lock, stop, woken);
    } else {
      wake_.wait_for(lock, stop, absl::ToChronoNanoseconds(std::max(next_ready - absl::Now(), absl::ZeroDuration())),
                     woken);
    }
    woken_ = false;
  }
}

Dispatcher::Tracked* Dispatcher::InFlight(const Unit& unit) {
  auto it = pending_.find(unit.key);
  if (it == pending_.end() || it->second.seq != unit.seq || it->second.state != State::kInFlight) return nullptr;
  return &it->second;
}

void Dispatcher::Bound(const Unit& unit) {
  Metrics().scheduling_seconds.Observe(absl::ToDoubleSeconds(absl::Now() - unit.first_seen));
  Metrics().attempts.WithLabels({"scheduled"}).Inc();
  std::lock_guard lock(mu_);
  if (InFlight(unit) != nullptr) {
    pending_.erase(unit.key);
    --in_flight_;
  }
  PublishDepths();
}

void Dispatcher::Unschedulable(const Unit& unit, const std::string& reason) {
  Metrics().attempts.WithLabels({"unschedulable"}).Inc();
  spdlog::debug("dispatcher: {} unschedulable (attempt {}): {}", unit.key, unit.attempts, reason);
  std::lock_guard lock(mu_);
  Tracked* t = InFlight(unit);
  if (t == nullptr) return;
  t->state = State::kBackoff;
  --in_flight_;
  shares_.Release(unit.key);
  backoff_.Add({unit.key, unit.seq}, absl::Now() + BackoffDelay(t->attempts));
  PublishDepths();
  Wake();  // the loop's next deadline may now be earlier
}

void Dispatcher::Conflict(const Unit& unit) {
  Metrics().attempts.WithLabels({"conflict"}).Inc();
  std::lock_guard lock(mu_);
  Tracked* t = InFlight(unit);
  if (t == nullptr) return;
  ++t->conflicts;
  t->state = State::kQueued;
  --in_flight_;
  shares_.Release(unit.key);
  Enqueue(unit.key, *t);
}

void Dispatcher::Retry(const Unit& unit) {
  Metrics().attempts.WithLabels({"retry"}).Inc();
  std::lock_guard lock(mu_);
  Tracked* t = InFlight(unit);
  if (t == nullptr) return;
  t->state = State::kQueued;
  --in_flight_;
  shares_.Release(unit.key);
  Enqueue(unit.key, *t);
}

void Dispatcher::PublishDepths() {
  active_depth_.Set(static_cast<double>(policy_->size()));
  backoff_depth_.Set(static_cast<double>(backoff_.size()));
  in_flight_depth_.Set(static_cast<double>(in_flight_));
}

}  // namespace gantry::dispatcher
