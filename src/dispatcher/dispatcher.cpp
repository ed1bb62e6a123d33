#include "dispatcher/dispatcher.h"

#include <absl/strings/ascii.h>

#include <absl/strings/str_split.h>

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <functional>

#include "api/gang.h"
#include "api/kinds.h"
#include "api/object_meta.h"
#include "scheduling.pb.h"
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
  for (const api::PodGroupShape* shape : api::PodGroupShapes()) {
    auto groups = store_.Watch(shape->kind(), {}, 0);
    if (!groups.ok()) return groups.status();
    pod_group_streams_.push_back(*groups);
  }
  node_watch_ = std::jthread([this, s = node_stream_](std::stop_token stop) {
    store::FollowWatchLoggingEnd(
        stop, *s, "dispatcher: node", [this](const store::WatchEvent& e) { OnNode(e); }, [this] { WakeIfOwed(); });
  });
  pod_watch_ = std::jthread([this, s = pod_stream_](std::stop_token stop) {
    store::FollowWatchLoggingEnd(
        stop, *s, "dispatcher: pod", [this](const store::WatchEvent& e) { OnPod(e); }, [this] { WakeIfOwed(); });
  });
  for (const auto& stream : pod_group_streams_) {
    pod_group_watches_.emplace_back([this, s = stream](std::stop_token stop) {
      store::FollowWatchLoggingEnd(
          stop, *s, "dispatcher: pod group", [this](const store::WatchEvent& e) { OnPodGroup(e); },
          [this] { WakeIfOwed(); });
    });
  }
  loop_ = std::jthread([this](std::stop_token stop) { DispatchLoop(stop); });
  spdlog::info("dispatcher: {} shard(s), sorting policy {}, scheduler name {}", options_.shards,
               options_.sorting_policy, options_.scheduler_name);
  return absl::OkStatus();
}

void Dispatcher::Stop() {
  for (auto* t : {&loop_, &pod_watch_, &node_watch_}) t->request_stop();
  for (auto& t : pod_group_watches_) t.request_stop();
  if (pod_stream_) pod_stream_->Cancel();
  if (node_stream_) node_stream_->Cancel();
  for (const auto& stream : pod_group_streams_) stream->Cancel();
  for (auto* t : {&loop_, &pod_watch_, &node_watch_}) {
    if (t->joinable()) t->join();
  }
  pod_group_watches_.clear();  // joins
}

bool Dispatcher::Ours(const api::Pod& pod) const {
  const std::string& name = pod.spec().scheduler_name();
  if (name.empty()) return true;
  for (absl::string_view ours : absl::StrSplit(options_.scheduler_name, ',', absl::SkipWhitespace())) {
    if (absl::StripAsciiWhitespace(ours) == name) return true;
  }
  return false;
}

void Dispatcher::OnPod(const store::WatchEvent& event) {
  auto pod = std::static_pointer_cast<const api::Pod>(event.object);
  std::string key = PodKey(*pod);
  bool deleted = event.type == store::WatchEvent::Type::kDeleted;
  bool bound = !pod->spec().node_name().empty();
  auto gang = api::GangOf(*pod);
  std::string gang_key = gang ? gang->Key(pod->metadata().namespace_()) : "";
  std::lock_guard lock(mu_);
  if (deleted || bound || Terminal(*pod) || !pod->metadata().deletion_timestamp().empty()) {
    if (auto it = pending_.find(key); it != pending_.end()) {
      // A gang's in-flight count is the gang's, not its members'.
      if (it->second.progress.state == State::kInFlight && it->second.gang.empty()) --in_flight_;
      if (!it->second.gang.empty()) gangs_.RemovePending(it->second.gang, key);
      pending_.erase(it);  // its queue entries go stale
    }
    if (!gang_key.empty()) {
      if (bound && !deleted && !Terminal(*pod)) {
        gangs_.MarkBound(gang_key, key);
      } else {
        gangs_.ForgetBound(gang_key, key);
      }
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
  Tracked& t = it->second;
  t.progress.seq = ++next_seq_;
  t.progress.first_seen = absl::Now();
  if (gang_key.empty()) {
    Enqueue(key, t.progress);
    return;
  }
  t.gang = gang_key;
  GangTracker::Gang& g = gangs_.AddPending(gang_key, absl::StrCat(pod->metadata().namespace_(), "/", gang->name), key);
  if (g.progress.state != State::kWaiting) return;  // joins the gang's next attempt
  if (!g.reported.empty() && options_.pending_reasons != nullptr) options_.pending_reasons->Report(pod, g.reported);
  ConsiderGang(gang_key, g);
}

void Dispatcher::OnPodGroup(const store::WatchEvent& event) {
  const api::PodGroupShape* shape = api::FindPodGroupShape(*event.object);
  if (shape == nullptr) return;
  const api::ObjectMeta& meta = api::MetaOf(*event.object);
  api::GangRef ref{shape, meta.name()};
  std::string key = ref.Key(meta.namespace_());
  std::optional<api::GangSpec> spec;
  std::optional<int32_t> priority;
  if (event.type != store::WatchEvent::Type::kDeleted) {
    spec = shape->Spec(*event.object);
    if (!spec->priority_class_name.empty()) {
      static const api::KindInfo* classes = api::FindKindByResource("scheduling.k8s.io", "v1", "priorityclasses");
      auto cls = store_.Get(*classes, "", spec->priority_class_name);
      if (cls.ok()) priority = static_cast<const api::PriorityClass&>(**cls).value();
    }
  }
  std::lock_guard lock(mu_);
  GangTracker::Gang& gang =
      gangs_.SetSpec(key, absl::StrCat(meta.namespace_(), "/", meta.name()), std::move(spec), priority);
  if (gang.progress.state == State::kWaiting && !gang.pending.empty()) ConsiderGang(key, gang);
}

void Dispatcher::ConsiderGang(const std::string& key, GangTracker::Gang& gang) {
  std::string reason = GangTracker::WaitReason(gang, shares_.capacity());
  if (reason.empty()) {
    gang.reported.clear();
    gang.progress.state = State::kQueued;
    gang.progress.seq = ++next_seq_;
    Enqueue(key, gang.progress);
    return;
  }
  if (reason == gang.reported) return;
  gang.reported = reason;
  if (options_.pending_reasons == nullptr) return;
  for (const std::string& member : gang.pending) {
    if (auto it = pending_.find(member); it != pending_.end()) options_.pending_reasons->Report(it->second.pod, reason);
  }
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
      if (added) {
        // More capacity may let a gang's minResources fit.
        gangs_.ForEach([this](const std::string& key, GangTracker::Gang& gang) {
          if (gang.progress.state == State::kWaiting && gang.spec && !gang.spec->min_resources.empty() &&
              !gang.pending.empty()) {
            ConsiderGang(key, gang);
          }
        });
      }
    }
  }
  for (const auto& [n, partition] : moves) cluster_.SetPartition(n, partition);
}

void Dispatcher::Enqueue(const std::string& key, const UnitProgress& progress) {
  auto priority = [](const api::Pod& pod) { return pod.spec().has_priority() ? pod.spec().priority() : 0; };
  if (auto it = pending_.find(key); it != pending_.end()) {
    const api::Pod& pod = *it->second.pod;
    policy_->Push({key, pod.metadata().namespace_(), priority(pod), progress.seq});
  } else if (GangTracker::Gang* gang = gangs_.Find(key)) {
    // A gang goes by its group's PriorityClass, else by its most important
    // member.
    std::string namespace_;
    int32_t top = INT32_MIN;
    for (const std::string& member : gang->pending) {
      auto m = pending_.find(member);
      if (m == pending_.end()) continue;
      namespace_ = m->second.pod->metadata().namespace_();
      top = std::max(top, priority(*m->second.pod));
    }
    if (gang->priority) top = *gang->priority;
    policy_->Push({key, namespace_, top == INT32_MIN ? 0 : top, progress.seq});
  }
  wake_owed_ = true;
}

UnitProgress* Dispatcher::Find(const std::string& key) {
  if (auto it = pending_.find(key); it != pending_.end()) return &it->second.progress;
  if (GangTracker::Gang* gang = gangs_.Find(key)) return &gang->progress;
  return nullptr;
}

void Dispatcher::ReleaseBackoff() {
  for (auto& entry : backoff_.TakeAll()) {
    UnitProgress* p = Find(entry.key);
    if (p == nullptr || p->seq != entry.seq || p->state != State::kBackoff) continue;
    p->state = State::kQueued;
    Enqueue(entry.key, *p);
  }
}

void Dispatcher::WakeIfOwed() {
  if (wake_owed_.exchange(false)) Wake();
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
      wake_owed_ = false;  // this pass takes whatever was queued
      for (auto& entry : backoff_.TakeReady(absl::Now())) {
        UnitProgress* p = Find(entry.key);
        if (p == nullptr || p->seq != entry.seq || p->state != State::kBackoff) continue;
        p->state = State::kQueued;
        Enqueue(entry.key, *p);
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
        unit = TakeUnit(entry->key, entry->seq);
        if (unit) next_shard_ = chosen + 1;
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

std::optional<Unit> Dispatcher::TakeUnit(const std::string& key, uint64_t seq) {
  UnitProgress* p = Find(key);
  if (p == nullptr || p->seq != seq || p->state != State::kQueued) return std::nullopt;
  Unit unit;
  unit.key = key;
  unit.seq = seq;
  if (auto it = pending_.find(key); it != pending_.end()) {
    unit.pods.push_back(it->second.pod);
  } else {
    GangTracker::Gang& gang = *gangs_.Find(key);
    if (!GangTracker::WaitReason(gang, shares_.capacity()).empty()) {
      // Members left or the group changed since it was queued.
      gang.progress.state = State::kWaiting;
      ConsiderGang(key, gang);
      gangs_.Collect(key);
      return std::nullopt;
    }
    for (const std::string& member : gang.pending) unit.pods.push_back(pending_.at(member).pod);
    unit.gang = std::make_shared<const GangInfo>(
        GangInfo{gang.display_name, *gang.spec, static_cast<int32_t>(gang.bound.size())});
  }
  p->state = State::kInFlight;
  ++p->attempts;
  ++in_flight_;
  unit.attempts = p->attempts;
  unit.conflicts = p->conflicts;
  unit.first_seen = p->first_seen;
  for (const auto& pod : unit.pods) {
    if (auto requests = cluster::PodRequests(pod->spec()); requests.ok()) {
      shares_.Charge(PodKey(*pod), pod->metadata().namespace_(), *requests);
    }
  }
  return unit;
}

void Dispatcher::ReleaseShares(const Unit& unit) {
  for (const auto& pod : unit.pods) shares_.Release(PodKey(*pod));
}

UnitProgress* Dispatcher::InFlight(const Unit& unit) {
  UnitProgress* p = Find(unit.key);
  if (p == nullptr || p->seq != unit.seq || p->state != State::kInFlight) return nullptr;
  return p;
}

void Dispatcher::Bound(const Unit& unit) {
  Metrics().scheduling_seconds.Observe(absl::ToDoubleSeconds(absl::Now() - unit.first_seen));
  Metrics().attempts.WithLabels({"scheduled"}).Inc();
  std::lock_guard lock(mu_);
  if (UnitProgress* p = InFlight(unit)) {
    --in_flight_;
    if (unit.gang == nullptr) {
      pending_.erase(unit.key);
    } else {
      // Members that arrive later make the gang's next unit.
      p->state = State::kWaiting;
      for (const auto& pod : unit.pods) {
        std::string key = PodKey(*pod);
        gangs_.MarkBound(unit.key, key);
        pending_.erase(key);
      }
      if (GangTracker::Gang* gang = gangs_.Find(unit.key); gang != nullptr && !gang->pending.empty()) {
        ConsiderGang(unit.key, *gang);
      }
    }
  }
  PublishDepths();
  WakeIfOwed();
}

void Dispatcher::Unschedulable(const Unit& unit, const std::string& reason) {
  Metrics().attempts.WithLabels({"unschedulable"}).Inc();
  spdlog::debug("dispatcher: {} unschedulable (attempt {}): {}", unit.key, unit.attempts, reason);
  std::lock_guard lock(mu_);
  UnitProgress* t = InFlight(unit);
  if (t == nullptr) return;
  t->state = State::kBackoff;
  --in_flight_;
  ReleaseShares(unit);
  backoff_.Add({unit.key, unit.seq}, absl::Now() + BackoffDelay(t->attempts));
  if (unit.gang != nullptr) gangs_.Collect(unit.key);  // its group and members may be gone
  PublishDepths();
  Wake();  // the loop's next deadline may now be earlier
}

void Dispatcher::Conflict(const Unit& unit) {
  Metrics().attempts.WithLabels({"conflict"}).Inc();
  std::lock_guard lock(mu_);
  UnitProgress* t = InFlight(unit);
  if (t == nullptr) return;
  ++t->conflicts;
  t->state = State::kQueued;
  --in_flight_;
  ReleaseShares(unit);
  Enqueue(unit.key, *t);
  WakeIfOwed();
}

void Dispatcher::Retry(const Unit& unit) {
  Metrics().attempts.WithLabels({"retry"}).Inc();
  std::lock_guard lock(mu_);
  UnitProgress* t = InFlight(unit);
  if (t == nullptr) return;
  t->state = State::kQueued;
  --in_flight_;
  ReleaseShares(unit);
  Enqueue(unit.key, *t);
  WakeIfOwed();
}

void Dispatcher::PublishDepths() {
  active_depth_.Set(static_cast<double>(policy_->size()));
  backoff_depth_.Set(static_cast<double>(backoff_.size()));
  in_flight_depth_.Set(static_cast<double>(in_flight_));
}

}  // namespace gantry::dispatcher
