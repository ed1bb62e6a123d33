#include "controllers/replica_set.h"

#include <absl/strings/str_cat.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "api/label_selector.h"
#include "api/object_meta.h"
#include "api/pod_template.h"
#include "apps.pb.h"
#include "common/time_format.h"
#include "controllers/owned_objects.h"
#include "controllers/pod_deletion.h"
#include "core.pb.h"

namespace gantry::controllers {
namespace {

const api::KindInfo& ReplicaSets() { return *api::FindKindByResource("apps", "v1", "replicasets"); }
const api::KindInfo& Pods() { return *api::FindKindByResource("", "v1", "pods"); }

// Kubernetes' order for scale-down: the pods whose loss hurts least first.
int PhaseRank(const api::Pod& pod) {
  const std::string& phase = pod.status().phase();
  if (phase == "Pending") return 0;
  if (phase == "Unknown") return 1;
  return 2;
}

bool DeleteBefore(const api::Pod* a, const api::Pod* b) {
  bool a_bound = !a->spec().node_name().empty();
  bool b_bound = !b->spec().node_name().empty();
  if (a_bound != b_bound) return !a_bound;
  if (PhaseRank(*a) != PhaseRank(*b)) return PhaseRank(*a) < PhaseRank(*b);
  if (api::IsPodReady(*a) != api::IsPodReady(*b)) return !api::IsPodReady(*a);
  return a->metadata().creation_timestamp() > b->metadata().creation_timestamp();
}

}  // namespace

ReplicaSetController::ReplicaSetController(store::Store& store, store::EventRecorder* events)
    : ReconcilingController(store, "replicaset controller", events) {}

ReplicaSetController::~ReplicaSetController() { Stop(); }

absl::Status ReplicaSetController::Subscribe(WatchFeed& feed) {
  if (auto s = feed.Follow(ReplicaSets(), [this](const store::WatchEvent& e) {
        queue_.Add(KeyOf(api::MetaOf(*e.object)));
      });
      !s.ok()) {
    return s;
  }
  return feed.Follow(Pods(), [this](const store::WatchEvent& e) {
    EnqueueController(api::MetaOf(*e.object), ReplicaSets());
  });
}

absl::StatusOr<absl::Duration> ReplicaSetController::Reconcile(const std::string& key, absl::Time now) {
  auto [namespace_, name] = SplitKey(key);
  auto current = store_.Get(ReplicaSets(), namespace_, name);
  if (absl::IsNotFound(current.status())) return absl::ZeroDuration();  // its pods are the collector's
  if (!current.ok()) return current.status();
  const auto& rs = static_cast<const api::ReplicaSet&>(**current);
  auto owned = ListControlled(store_, Pods(), namespace_, rs.spec().selector(), rs.metadata().uid());
  if (!owned.ok()) return owned.status();

  std::vector<const api::Pod*> active;
  for (const auto& object : *owned) {
    const auto& pod = static_cast<const api::Pod&>(*object);
    if (api::IsActivePod(pod)) active.push_back(&pod);
  }
  const int32_t wanted = rs.metadata().deletion_timestamp().empty() ? rs.spec().replicas() : 0;
  const int32_t have = static_cast<int32_t>(active.size());
  absl::Status manage_error;
  int32_t created = 0;
  if (have < wanted) {
    std::vector<std::unique_ptr<google::protobuf::Message>> pods;
    for (int32_t i = have; i < wanted; ++i) {
      pods.push_back(std::make_unique<api::Pod>(
          api::PodFromTemplate(rs.spec().template_(), ReplicaSets(), rs.metadata(), absl::StrCat(name, "-"))));
    }
    CreateOutcome outcome = CreateInSlowStartBatches(store_, Pods(), std::move(pods));
    created = outcome.created;
    manage_error = outcome.first_error;
    if (created > 0) Record(ReplicaSets(), rs, "Normal", "SuccessfulCreate", absl::StrCat("Created ", created, " pods"));
    if (!manage_error.ok()) {
      Record(ReplicaSets(), rs, "Warning", "FailedCreate", absl::StrCat("Error creating: ", manage_error.message()));
    }
  } else if (have > wanted) {
    std::sort(active.begin(), active.end(), DeleteBefore);
    std::vector<store::WriteOp> deletions;
    for (int32_t i = 0; i < have - wanted; ++i) deletions.push_back(PodDeletionOp(*active[i], now));
    for (auto& result : store_.Commit(std::move(deletions))) {
      if (!result.ok() && !absl::IsNotFound(result.status()) && manage_error.ok()) manage_error = result.status();
    }
    // What was deleted no longer counts (a failed deletion is retried).
    active.erase(active.begin(), active.begin() + (have - wanted));
    Record(ReplicaSets(), rs, "Normal", "SuccessfulDelete", absl::StrCat("Deleted ", have - wanted, " pods"));
  }

  // Counted after acting, so a Deployment sees a scale-down at once.
  api::ReplicaSetStatus status;
  status.set_replicas(static_cast<int32_t>(active.size()) + created);
  status.set_observed_generation(rs.metadata().generation());
  auto template_labels = api::LabelMatcher::FromProto([&] {
    api::LabelSelector all;
    *all.mutable_match_labels() = rs.spec().template_().metadata().labels();
    return all;
  }());
  bool waiting_to_be_available = false;
  for (const api::Pod* pod : active) {
    if (template_labels.ok() && template_labels->Matches(pod->metadata().labels())) {
      status.set_fully_labeled_replicas(status.fully_labeled_replicas() + 1);
    }
    if (!api::IsPodReady(*pod)) continue;
    status.set_ready_replicas(status.ready_replicas() + 1);
    if (api::IsPodAvailable(*pod, rs.spec().min_ready_seconds(), now)) {
      status.set_available_replicas(status.available_replicas() + 1);
    } else {
      waiting_to_be_available = true;
    }
  }
  if (!google::protobuf::util::MessageDifferencer::Equals(status, rs.status())) {
    auto updated = std::make_unique<api::ReplicaSet>(rs);
    *updated->mutable_status() = status;
    if (auto s = store_.Update(ReplicaSets(), std::move(updated)); !s.ok()) return s.status();
  }
  if (!manage_error.ok()) return manage_error;
  // A ready pod becomes available minReadySeconds later, with no event to say so.
  return waiting_to_be_available ? absl::Seconds(std::max(1, rs.spec().min_ready_seconds())) : absl::ZeroDuration();
}

}  // namespace gantry::controllers
