#include "controllers/deployment.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/container/flat_hash_map.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "api/object_meta.h"
#include "api/pod_template.h"
#include "api/workload_validation.h"
#include "apps.pb.h"
#include "common/time_format.h"
#include "controllers/owned_objects.h"
#include "controllers/pod_template_hash.h"

namespace gantry::controllers {
namespace {

using google::protobuf::util::MessageDifferencer;

const api::KindInfo& Deployments() { return *api::FindKindByResource("apps", "v1", "deployments"); }
const api::KindInfo& ReplicaSets() { return *api::FindKindByResource("apps", "v1", "replicasets"); }

int64_t RevisionOf(const api::ReplicaSet& rs) {
  int64_t revision = 0;
  auto it = rs.metadata().annotations().find(std::string(api::kRevisionAnnotation));
  if (it != rs.metadata().annotations().end() && absl::SimpleAtoi(it->second, &revision)) return revision;
  return 0;
}

// Whether `rs` runs `template_`: its template is the Deployment's but for the hash label.
bool RunsTemplate(const api::ReplicaSet& rs, const api::PodTemplateSpec& template_) {
  api::PodTemplateSpec stripped = rs.spec().template_();
  stripped.mutable_metadata()->mutable_labels()->erase(std::string(api::kPodTemplateHashLabel));
  return MessageDifferencer::Equals(stripped, template_);
}

struct Rollout {
  const api::Deployment* deployment = nullptr;
  std::unique_ptr<api::ReplicaSet> fresh;            // the ReplicaSet of the current template, if any
  std::vector<std::unique_ptr<api::ReplicaSet>> old;  // every other, oldest first
  int32_t replicas = 0;
  int32_t max_surge = 0;
  int32_t max_unavailable = 0;

  int32_t SpecTotal() const {
    int32_t total = fresh ? fresh->spec().replicas() : 0;
    for (const auto& rs : old) total += rs->spec().replicas();
    return total;
  }
  int32_t AvailableTotal() const {
    int32_t total = fresh ? fresh->status().available_replicas() : 0;
    for (const auto& rs : old) total += rs->status().available_replicas();
    return total;
  }
};

api::DeploymentCondition* SetCondition(api::DeploymentStatus* status, const std::string& type, const std::string& value,
                                       const std::string& reason, const std::string& message,
                                       const api::DeploymentStatus& before, absl::Time now) {
  api::DeploymentCondition* condition = status->add_conditions();
  condition->set_type(type);
  condition->set_status(value);
  condition->set_reason(reason);
  condition->set_message(message);
  condition->set_last_update_time(Rfc3339(now));
  condition->set_last_transition_time(Rfc3339(now));
  for (const auto& old : before.conditions()) {
    if (old.type() != type) continue;
    if (old.status() == value) condition->set_last_transition_time(old.last_transition_time());
    if (old.status() == value && old.reason() == reason && old.message() == message) {
      condition->set_last_update_time(old.last_update_time());
    }
  }
  return condition;
}

}  // namespace

DeploymentController::DeploymentController(store::Store& store, store::EventRecorder* events)
    : ReconcilingController(store, "deployment controller", events) {}

DeploymentController::~DeploymentController() { Stop(); }

absl::Status DeploymentController::Subscribe(WatchFeed& feed) {
  if (auto s = feed.Follow(Deployments(), [this](const store::WatchEvent& e) {
        queue_.Add(KeyOf(api::MetaOf(*e.object)));
      });
      !s.ok()) {
    return s;
  }
  return feed.Follow(ReplicaSets(), [this](const store::WatchEvent& e) {
    EnqueueController(api::MetaOf(*e.object), Deployments());
  });
}

absl::StatusOr<absl::Duration> DeploymentController::Reconcile(const std::string& key, absl::Time now) {
  auto [namespace_, name] = SplitKey(key);
  auto current = store_.Get(Deployments(), namespace_, name);
  if (absl::IsNotFound(current.status())) return absl::ZeroDuration();
  if (!current.ok()) return current.status();
  const auto& deployment = static_cast<const api::Deployment&>(**current);
  if (!deployment.metadata().deletion_timestamp().empty()) return absl::ZeroDuration();
  const api::DeploymentSpec& spec = deployment.spec();
  auto owned = ListControlled(store_, ReplicaSets(), namespace_, spec.selector(), deployment.metadata().uid());
  if (!owned.ok()) return owned.status();

  Rollout rollout;
  rollout.deployment = &deployment;
  rollout.replicas = spec.replicas();
  int64_t max_revision = 0;
  for (const auto& object : *owned) {
    auto rs = std::make_unique<api::ReplicaSet>(static_cast<const api::ReplicaSet&>(*object));
    if (!rs->metadata().deletion_timestamp().empty()) continue;
    max_revision = std::max(max_revision, RevisionOf(*rs));
    if (!rollout.fresh && RunsTemplate(*rs, spec.template_())) {
      rollout.fresh = std::move(rs);
    } else {
      rollout.old.push_back(std::move(rs));
    }
  }
  std::sort(rollout.old.begin(), rollout.old.end(),
            [](const auto& a, const auto& b) { return RevisionOf(*a) < RevisionOf(*b); });
  if (spec.strategy().type() == "RollingUpdate") {
    const auto& rolling = spec.strategy().rolling_update();
    rollout.max_surge = api::ScaledIntOrPercent(rolling.max_surge(), rollout.replicas, true).value_or(0);
    rollout.max_unavailable = api::ScaledIntOrPercent(rolling.max_unavailable(), rollout.replicas, false).value_or(0);
    if (rollout.max_surge == 0 && rollout.max_unavailable == 0) rollout.max_unavailable = 1;
  }

  // Wanted replicas of each ReplicaSet, written below where they changed.
  absl::flat_hash_map<const api::ReplicaSet*, int32_t> wanted;
  auto set_wanted = [&](const api::ReplicaSet& rs, int32_t n) { wanted[&rs] = n; };
  auto replicas_of = [&](const api::ReplicaSet& rs) {
    auto it = wanted.find(&rs);
    return it == wanted.end() ? rs.spec().replicas() : it->second;
  };

  if (!rollout.fresh && !spec.paused()) {
    const std::string hash = PodTemplateHash(spec.template_(), deployment.status().collision_count());
    auto rs = std::make_unique<api::ReplicaSet>();
    api::ObjectMeta* meta = rs->mutable_metadata();
    meta->set_name(absl::StrCat(name, "-", hash));
    meta->set_namespace_(namespace_);
    *meta->mutable_labels() = spec.template_().metadata().labels();
    (*meta->mutable_labels())[std::string(api::kPodTemplateHashLabel)] = hash;
    (*meta->mutable_annotations())[std::string(api::kRevisionAnnotation)] = std::to_string(max_revision + 1);
    *meta->add_owner_references() = api::NewControllerRef(Deployments(), deployment.metadata());
    *rs->mutable_spec()->mutable_selector() = spec.selector();
    (*rs->mutable_spec()->mutable_selector()->mutable_match_labels())[std::string(api::kPodTemplateHashLabel)] = hash;
    *rs->mutable_spec()->mutable_template_() = spec.template_();
    (*rs->mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels())[std::string(api::kPodTemplateHashLabel)] = hash;
    rs->mutable_spec()->set_min_ready_seconds(spec.min_ready_seconds());
    // Created empty: the scaling below decides how many pods it gets.
    rs->mutable_spec()->set_replicas(0);
    auto created = store_.Create(ReplicaSets(), std::move(rs));
    if (!created.ok()) return created.status();
    rollout.fresh = std::make_unique<api::ReplicaSet>(static_cast<const api::ReplicaSet&>(**created));
  }
  // Back to an older template (rollout undo): it becomes the newest revision.
  int64_t fresh_revision = rollout.fresh ? RevisionOf(*rollout.fresh) : 0;
  if (rollout.fresh && fresh_revision < max_revision && !spec.paused()) {
    fresh_revision = max_revision + 1;
    set_wanted(*rollout.fresh, rollout.fresh->spec().replicas());
  }

  int32_t old_active = 0;
  for (const auto& rs : rollout.old) old_active += rs->status().replicas();
  if (spec.paused() || !rollout.fresh) {
    // Only scaling: the newest ReplicaSet with pods takes the difference.
    api::ReplicaSet* target = rollout.fresh ? rollout.fresh.get() : (rollout.old.empty() ? nullptr : rollout.old.back().get());
    if (target != nullptr) set_wanted(*target, std::max(0, target->spec().replicas() + rollout.replicas - rollout.SpecTotal()));
  } else if (spec.strategy().type() == "Recreate") {
    for (const auto& rs : rollout.old) set_wanted(*rs, 0);
    if (old_active == 0) set_wanted(*rollout.fresh, rollout.replicas);
  } else {
    api::ReplicaSet& fresh = *rollout.fresh;
    // Up, within maxSurge over replicas.
    if (fresh.spec().replicas() > rollout.replicas) {
      set_wanted(fresh, rollout.replicas);
    } else if (fresh.spec().replicas() < rollout.replicas) {
      int32_t room = rollout.replicas + rollout.max_surge - rollout.SpecTotal();
      if (room > 0) set_wanted(fresh, fresh.spec().replicas() + std::min(room, rollout.replicas - fresh.spec().replicas()));
    }
    // Down, keeping replicas - maxUnavailable available.
    int32_t all = 0;
    for (const auto& rs : rollout.old) all += rs->spec().replicas();
    all += fresh.spec().replicas();
    const int32_t min_available = rollout.replicas - rollout.max_unavailable;
    const int32_t fresh_unavailable = std::max(0, fresh.spec().replicas() - fresh.status().available_replicas());
    int32_t budget = all - min_available - fresh_unavailable;
    // First the old pods that are not available anyway.
    for (const auto& rs : rollout.old) {
      if (budget <= 0) break;
      int32_t unhealthy = std::max(0, rs->spec().replicas() - rs->status().available_replicas());
      int32_t cut = std::min(unhealthy, budget);
      if (cut > 0) set_wanted(*rs, rs->spec().replicas() - cut);
      budget -= cut;
    }
    int32_t spare = std::min(budget, rollout.AvailableTotal() - min_available);
    for (const auto& rs : rollout.old) {
      if (spare <= 0) break;
      int32_t cut = std::min(replicas_of(*rs), spare);
      if (cut > 0) set_wanted(*rs, replicas_of(*rs) - cut);
      spare -= cut;
    }
  }

  std::vector<store::WriteOp> scalings;
  for (const auto& [rs, replicas] : wanted) {
    auto scaled = std::make_unique<api::ReplicaSet>(*rs);
    scaled->mutable_spec()->set_replicas(replicas);
    auto* annotations = scaled->mutable_metadata()->mutable_annotations();
    (*annotations)[std::string(api::kDesiredReplicasAnnotation)] = std::to_string(rollout.replicas);
    (*annotations)[std::string(api::kMaxReplicasAnnotation)] = std::to_string(rollout.replicas + rollout.max_surge);
    if (rs == rollout.fresh.get()) (*annotations)[std::string(api::kRevisionAnnotation)] = std::to_string(fresh_revision);
    if (MessageDifferencer::Equals(*scaled, *rs)) continue;
    if (replicas != rs->spec().replicas()) {
      Record(Deployments(), deployment, "Normal", "ScalingReplicaSet",
             absl::StrCat("Scaled ", replicas > rs->spec().replicas() ? "up" : "down", " replica set ",
                          rs->metadata().name(), " from ", rs->spec().replicas(), " to ", replicas));
    }
    store::WriteOp op;
    op.type = store::WriteOp::Type::kUpdate;
    op.kind = &ReplicaSets();
    op.namespace_ = namespace_;
    op.name = scaled->metadata().name();
    op.object = std::move(scaled);
    scalings.push_back(std::move(op));
  }
  // Old revisions beyond the history limit, once they run nothing.
  int32_t keep = spec.revision_history_limit();
  int32_t idle = 0;
  for (const auto& rs : rollout.old) idle += rs->spec().replicas() == 0 && rs->status().replicas() == 0 && replicas_of(*rs) == 0;
  for (const auto& rs : rollout.old) {
    if (idle <= keep) break;
    if (rs->spec().replicas() != 0 || rs->status().replicas() != 0 || wanted.contains(rs.get())) continue;
    store::WriteOp op;
    op.type = store::WriteOp::Type::kDelete;
    op.kind = &ReplicaSets();
    op.namespace_ = namespace_;
    op.name = rs->metadata().name();
    op.preconditions.uid = rs->metadata().uid();
    scalings.push_back(std::move(op));
    --idle;
  }
  for (auto& result : store_.Commit(std::move(scalings))) {
    if (!result.ok() && !absl::IsNotFound(result.status())) return result.status();
  }

  // Status, from the ReplicaSets as they were observed.
  const api::DeploymentStatus& before = deployment.status();
  api::DeploymentStatus status;
  status.set_observed_generation(deployment.metadata().generation());
  if (before.has_collision_count()) status.set_collision_count(before.collision_count());
  auto count = [&status](const api::ReplicaSet& rs) {
    status.set_replicas(status.replicas() + rs.status().replicas());
    status.set_ready_replicas(status.ready_replicas() + rs.status().ready_replicas());
    status.set_available_replicas(status.available_replicas() + rs.status().available_replicas());
  };
  for (const auto& rs : rollout.old) count(*rs);
  if (rollout.fresh) {
    count(*rollout.fresh);
    status.set_updated_replicas(rollout.fresh->status().replicas());
  }
  status.set_unavailable_replicas(std::max(0, rollout.replicas - status.available_replicas()));
  bool available = status.available_replicas() >= rollout.replicas - rollout.max_unavailable;
  SetCondition(&status, "Available", available ? "True" : "False",
               available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
               available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
               before, now);
  const std::string rs_name = rollout.fresh ? rollout.fresh->metadata().name() : "";
  bool complete = rollout.fresh && status.updated_replicas() == rollout.replicas && status.replicas() == rollout.replicas &&
                  status.available_replicas() == rollout.replicas &&
                  rollout.fresh->status().observed_generation() >= rollout.fresh->metadata().generation();
  absl::Duration again = absl::ZeroDuration();
  if (spec.paused()) {
    SetCondition(&status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", before, now);
  } else if (complete) {
    SetCondition(&status, "Progressing", "True", "NewReplicaSetAvailable",
                 absl::StrCat("ReplicaSet \"", rs_name, "\" has successfully progressed."), before, now);
  } else {
    // Progress is any change of the counts; none for progressDeadlineSeconds fails the rollout.
    bool progressed = status.replicas() != before.replicas() || status.updated_replicas() != before.updated_replicas() ||
                      status.available_replicas() != before.available_replicas() ||
                      status.ready_replicas() != before.ready_replicas();
    api::DeploymentCondition* progressing = SetCondition(&status, "Progressing", "True", "ReplicaSetUpdated",
                                                         absl::StrCat("ReplicaSet \"", rs_name, "\" is progressing."), before, now);
    if (progressed) progressing->set_last_update_time(Rfc3339(now));
    auto since = ParseRfc3339(progressing->last_update_time());
    absl::Duration deadline = absl::Seconds(spec.progress_deadline_seconds());
    if (since && now - *since > deadline) {
      status.mutable_conditions()->RemoveLast();
      SetCondition(&status, "Progressing", "False", "ProgressDeadlineExceeded",
                   absl::StrCat("ReplicaSet \"", rs_name, "\" has timed out progressing."), before, now);
    } else if (since) {
      again = *since + deadline - now + absl::Seconds(1);
    }
  }

  auto updated = std::make_unique<api::Deployment>(deployment);
  *updated->mutable_status() = status;
  if (rollout.fresh) {
    (*updated->mutable_metadata()->mutable_annotations())[std::string(api::kRevisionAnnotation)] =
        std::to_string(fresh_revision);
  }
  if (!MessageDifferencer::Equals(*updated, deployment)) {
    if (auto s = store_.Update(Deployments(), std::move(updated)); !s.ok()) return s.status();
  }
  return again;
}

}  // namespace gantry::controllers
