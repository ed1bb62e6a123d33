#include "cluster/cluster_state.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/kinds.h"
#include "common/log_format.h"

namespace gantry::cluster {
namespace {

std::string PodKey(const api::Pod& pod) { return absl::StrCat(pod.metadata().namespace_(), "/", pod.metadata().name()); }

// A pod holds its node's resources from binding until it ends.
bool Holds(const api::Pod& pod) {
  const std::string& phase = pod.status().phase();
  return !pod.spec().node_name().empty() && phase != "Succeeded" && phase != "Failed";
}

}  // namespace

ClusterState::ClusterState(store::Store& store) : store_(store) {}

ClusterState::~ClusterState() { Stop(); }

absl::Status ClusterState::Start() {
  const api::KindInfo* nodes = api::FindKindByResource("", "v1", "nodes");
  const api::KindInfo* pods = api::FindKindByResource("", "v1", "pods");
  auto node_stream = store_.Watch(*nodes, {}, 0);
  if (!node_stream.ok()) return node_stream.status();
  auto pod_stream = store_.Watch(*pods, {}, 0);
  if (!pod_stream.ok()) return pod_stream.status();
  node_stream_ = *node_stream;
  pod_stream_ = *pod_stream;
  node_feed_ = std::jthread([this, s = node_stream_](std::stop_token stop) {
    Feed(stop, *s, "node", &ClusterState::ApplyNode);
  });
  pod_feed_ = std::jthread([this, s = pod_stream_](std::stop_token stop) {
    Feed(stop, *s, "pod", &ClusterState::ApplyPod);
  });
  return absl::OkStatus();
}

void ClusterState::Stop() {
  for (auto* feed : {&node_feed_, &pod_feed_}) feed->request_stop();
  if (node_stream_) node_stream_->Cancel();
  if (pod_stream_) pod_stream_->Cancel();
  for (auto* feed : {&node_feed_, &pod_feed_}) {
    if (feed->joinable()) feed->join();
  }
}

void ClusterState::Feed(std::stop_token stop, store::WatchStream& stream, const char* what,
                        void (ClusterState::*apply)(const store::WatchEvent&)) {
  store::WatchEvent event;
  while (!stop.stop_requested()) {
    auto got = stream.Next(&event, absl::Milliseconds(200));
    if (!got.ok()) {
      if (got.status().code() != absl::StatusCode::kCancelled) {
        spdlog::error("cluster state: {} watch ended: {}", what, got.status());
      }
      return;
    }
    if (!*got) continue;
    {
      absl::MutexLock lock(&mu_);
      (this->*apply)(event);
      ++version_;
    }
    if (apply == &ClusterState::ApplyPod && event.type == store::WatchEvent::Type::kDeleted && pod_deleted_) {
      pod_deleted_();
    }
  }
}

void ClusterState::ApplyNode(const store::WatchEvent& event) {
  auto node = std::static_pointer_cast<const api::Node>(event.object);
  const std::string& name = node->metadata().name();
  if (event.type == store::WatchEvent::Type::kDeleted) {
    nodes_.Remove(name);
    return;
  }
  bool known = nodes_.Find(name).has_value();
  auto index = nodes_.Upsert(node);
  if (!index.ok()) {
    spdlog::warn("cluster state: node {} ignored: {}", name, index.status());
    return;
  }
  if (known) return;
  ChargeWaitingPods(name);
  if (auto it = partitions_.find(name); it != partitions_.end()) nodes_.SetPartition(*index, it->second);
}

void ClusterState::ApplyPod(const store::WatchEvent& event) {
  auto pod_ptr = std::static_pointer_cast<const api::Pod>(event.object);
  const api::Pod& pod = *pod_ptr;
  std::string key = PodKey(pod);
  bool deleted = event.type == store::WatchEvent::Type::kDeleted;
  bool holds = !deleted && Holds(pod);
  auto it = charges_.find(key);
  if (it != charges_.end() && holds && it->second.node == pod.spec().node_name()) {
    it->second.assumed = false;  // the binding the binder assumed has landed
    return;
  }
  if (it != charges_.end() && it->second.assumed && !deleted && pod.spec().node_name().empty()) {
    return;  // an update from before the binding landed: the assumption stands
  }
  Release(key);
  if (!holds) return;
  auto usage = PodUsageOf(pod_ptr);
  if (!usage.ok()) {
    spdlog::warn("cluster state: pod {} not charged: {}", key, usage.status());
    return;
  }
  Charge charge{pod.spec().node_name(), *std::move(usage), false};
  (void)nodes_.AddPod(charge.node, charge.usage);  // NotFound: waits for its node
  charges_.emplace(key, std::move(charge));
}

void ClusterState::Release(const std::string& key) {
  auto it = charges_.find(key);
  if (it == charges_.end()) return;
  (void)nodes_.RemovePod(it->second.node, it->second.usage);
  charges_.erase(it);
}

void ClusterState::ChargeWaitingPods(const std::string& node) {
  for (const auto& [key, charge] : charges_) {
    if (charge.node == node) (void)nodes_.AddPod(node, charge.usage);
  }
}

bool ClusterState::Refresh(Snapshot& snapshot) const {
  absl::ReaderMutexLock lock(&mu_);
  uint64_t now = version_.load();
  if (snapshot.version == now) return false;
  snapshot.nodes.SyncFrom(nodes_);
  snapshot.version = now;
  return true;
}

absl::Status ClusterState::Assume(std::shared_ptr<const api::Pod> pod, const std::string& node,
                                  PlacementCheck check, absl::Span<const std::string> displacing) {
  std::string key = PodKey(*pod);
  auto usage = PodUsageOf(std::move(pod));
  if (!usage.ok()) return usage.status();
  absl::MutexLock lock(&mu_);
  if (charges_.contains(key)) return absl::AlreadyExistsError(absl::StrCat("pod ", key, " is already placed"));
  auto index = nodes_.Find(node);
  if (!index) return api::NotFoundError("nodes", node);
  // Lift the victims' usage for the check only (the row's generation is
  // untouched: nothing changes for snapshots).
  std::vector<const PodUsage*> lifted;
  for (const std::string& victim : displacing) {
    auto it = charges_.find(victim);
    if (it == charges_.end() || it->second.node != node) continue;
    nodes_.RemovePodUntracked(*index, it->second.usage);
    lifted.push_back(&it->second.usage);
  }
  absl::Status checked = check(nodes_, *index);
  for (const PodUsage* u : lifted) nodes_.AddPodUntracked(*index, *u);
  if (!checked.ok()) return checked;
  if (auto s = nodes_.AddPod(node, *usage); !s.ok()) return s;
  charges_.emplace(key, Charge{node, *std::move(usage), true});
  ++version_;
  return absl::OkStatus();
}

void ClusterState::Forget(const api::Pod& pod) {
  absl::MutexLock lock(&mu_);
  std::string key = PodKey(pod);
  auto it = charges_.find(key);
  if (it == charges_.end() || !it->second.assumed) return;
  Release(key);
  ++version_;
}

void ClusterState::SetPartition(const std::string& node, int16_t partition) {
  absl::MutexLock lock(&mu_);
  partitions_[node] = partition;
  auto index = nodes_.Find(node);
  if (!index) return;
  nodes_.SetPartition(*index, partition);
  ++version_;
}

}  // namespace gantry::cluster
