#include "controllers/daemon_set.h"

#include <absl/container/node_hash_map.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>

#include "api/node_selector.h"
#include "api/object_meta.h"
#include "api/pod_template.h"
#include "api/tolerations.h"
#include "api/workload_validation.h"
#include "apps.pb.h"
#include "controllers/owned_objects.h"
#include "controllers/pod_deletion.h"
#include "controllers/pod_template_hash.h"

namespace gantry::controllers {
namespace {

const api::KindInfo& DaemonSets() { return *api::FindKindByResource("apps", "v1", "daemonsets"); }
const api::KindInfo& Pods() { return *api::FindKindByResource("", "v1", "pods"); }
const api::KindInfo& Nodes() { return *api::FindKindByResource("", "v1", "nodes"); }

// What Kubernetes' DaemonSet controller adds to every daemon pod: a node's
// trouble or a cordon does not evict or keep out its daemons.
const std::vector<api::Toleration>& DaemonTolerations() {
  static const auto* tolerations = [] {
    auto* out = new std::vector<api::Toleration>;
    auto add = [out](const char* key, const char* effect) {
      api::Toleration t;
      t.set_key(key);
      t.set_operator_("Exists");
      t.set_effect(effect);
      out->push_back(t);
    };
    add("node.kubernetes.io/not-ready", "NoExecute");
    add("node.kubernetes.io/unreachable", "NoExecute");
    add("node.kubernetes.io/disk-pressure", "NoSchedule");
    add("node.kubernetes.io/memory-pressure", "NoSchedule");
    add("node.kubernetes.io/pid-pressure", "NoSchedule");
    add("node.kubernetes.io/unschedulable", "NoSchedule");
    return out;
  }();
  return *tolerations;
}

// The node a daemon pod is for: where it is bound, else its node affinity.
std::string TargetNode(const api::Pod& pod) {
  if (!pod.spec().node_name().empty()) return pod.spec().node_name();
  const auto& terms = pod.spec().affinity().node_affinity().required_during_scheduling_ignored_during_execution();
  for (const auto& term : terms.node_selector_terms()) {
    for (const auto& field : term.match_fields()) {
      if (field.key() == "metadata.name" && field.operator_() == "In" && field.values_size() == 1) return field.values(0);
    }
  }
  return "";
}

api::Pod DaemonPod(const api::DaemonSet& ds, const std::string& hash, const std::string& node) {
  api::Pod pod = api::PodFromTemplate(ds.spec().template_(), DaemonSets(), ds.metadata(), absl::StrCat(ds.metadata().name(), "-"));
  (*pod.mutable_metadata()->mutable_labels())[kControllerRevisionHashLabel] = hash;
  api::NodeSelector* required = pod.mutable_spec()->mutable_affinity()->mutable_node_affinity()
                                    ->mutable_required_during_scheduling_ignored_during_execution();
  required->Clear();
  auto* field = required->add_node_selector_terms()->add_match_fields();
  field->set_key("metadata.name");
  field->set_operator_("In");
  field->add_values(node);
  for (const auto& t : DaemonTolerations()) {
    if (!api::ToleratesAny(pod.spec().tolerations(), [&] {
          api::Taint taint;
          taint.set_key(t.key());
          taint.set_effect(t.effect());
          return taint;
        }())) {
      *pod.mutable_spec()->add_tolerations() = t;
    }
  }
  return pod;
}

// What of a node decides where daemons run: its labels and taints.
std::string PlacementOf(const api::Node& node) {
  std::map<std::string, std::string> labels(node.metadata().labels().begin(), node.metadata().labels().end());
  std::string out;
  for (const auto& [key, value] : labels) absl::StrAppend(&out, key, "=", value, "\n");
  for (const auto& taint : node.spec().taints()) absl::StrAppend(&out, taint.key(), "=", taint.value(), ":", taint.effect(), "\n");
  return out;
}

struct NodePods {
  std::vector<const api::Pod*> current;  // active, of the current template
  std::vector<const api::Pod*> old;      // active, of an older template
  std::vector<const api::Pod*> failed;
};

}  // namespace

bool ShouldRunDaemonPod(const api::PodTemplateSpec& template_, const api::Node& node) {
  const api::PodSpec& spec = template_.spec();
  const auto& labels = node.metadata().labels();
  for (const auto& [key, value] : spec.node_selector()) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  const auto& required = spec.affinity().node_affinity().required_during_scheduling_ignored_during_execution();
  if (required.node_selector_terms_size() > 0 && !api::AnyTermMatches(required, node)) return false;
  for (const auto& taint : node.spec().taints()) {
    if (taint.effect() == "PreferNoSchedule") continue;
    bool tolerated = api::ToleratesAny(spec.tolerations(), taint) ||
                     std::any_of(DaemonTolerations().begin(), DaemonTolerations().end(),
                                 [&](const api::Toleration& t) { return api::Tolerates(t, taint); });
    if (!tolerated) return false;
  }
  return true;
}

DaemonSetController::DaemonSetController(store::Store& store, store::EventRecorder* events)
    : ReconcilingController(store, "daemonset controller", events) {}

DaemonSetController::~DaemonSetController() { Stop(); }

absl::Status DaemonSetController::Subscribe(WatchFeed& feed) {
  if (auto s = feed.Follow(DaemonSets(), [this](const store::WatchEvent& e) { queue_.Add(KeyOf(api::MetaOf(*e.object))); });
      !s.ok()) {
    return s;
  }
  if (auto s = feed.Follow(Pods(), [this](const store::WatchEvent& e) { EnqueueController(api::MetaOf(*e.object), DaemonSets()); });
      !s.ok()) {
    return s;
  }
  // A node that joins, goes or changes its labels or taints concerns every
  // DaemonSet; its heartbeats (most of its changes) concern none.
  return feed.Follow(Nodes(), [this](const store::WatchEvent& e) {
    const auto& node = static_cast<const api::Node&>(*e.object);
    {
      std::lock_guard lock(mu_);
      if (e.type == store::WatchEvent::Type::kDeleted) {
        placement_of_.erase(node.metadata().name());
      } else {
        std::string placement = PlacementOf(node);
        auto [it, added] = placement_of_.try_emplace(node.metadata().name(), placement);
        if (!added && it->second == placement) return;
        it->second = std::move(placement);
      }
    }
    auto all = store_.List(DaemonSets(), {});
    if (!all.ok()) return;
    for (const auto& ds : all->items) queue_.Add(KeyOf(api::MetaOf(*ds)));
  });
}

absl::StatusOr<absl::Duration> DaemonSetController::Reconcile(const std::string& key, absl::Time now) {
  auto [namespace_, name] = SplitKey(key);
  auto current = store_.Get(DaemonSets(), namespace_, name);
  if (absl::IsNotFound(current.status())) return absl::ZeroDuration();
  if (!current.ok()) return current.status();
  const auto& ds = static_cast<const api::DaemonSet&>(**current);
  if (!ds.metadata().deletion_timestamp().empty()) return absl::ZeroDuration();
  const api::DaemonSetSpec& spec = ds.spec();
  const std::string hash = PodTemplateHash(spec.template_(), ds.status().collision_count());

  auto nodes = store_.List(Nodes(), {});
  if (!nodes.ok()) return nodes.status();
  auto owned = ListControlled(store_, Pods(), namespace_, spec.selector(), ds.metadata().uid());
  if (!owned.ok()) return owned.status();
  // node_hash_map: `rolling` keeps pointers to its values while it grows.
  absl::node_hash_map<std::string, NodePods> by_node;
  for (const auto& object : *owned) {
    const auto& pod = static_cast<const api::Pod&>(*object);
    NodePods& at = by_node[TargetNode(pod)];
    if (pod.status().phase() == "Failed") {
      at.failed.push_back(&pod);
    } else if (api::IsActivePod(pod)) {
      auto it = pod.metadata().labels().find(kControllerRevisionHashLabel);
      (it != pod.metadata().labels().end() && it->second == hash ? at.current : at.old).push_back(&pod);
    }
  }

  std::vector<const api::Pod*> doomed;
  std::vector<std::unique_ptr<google::protobuf::Message>> fresh;
  api::DaemonSetStatus status;
  status.set_observed_generation(ds.metadata().generation());
  if (ds.status().has_collision_count()) status.set_collision_count(ds.status().collision_count());
  int32_t desired = 0;
  int32_t unavailable = 0;
  std::vector<std::pair<std::string, NodePods*>> rolling;  // nodes still running an old pod
  for (const auto& object : nodes->items) {
    const auto& node = static_cast<const api::Node&>(*object);
    NodePods& at = by_node[node.metadata().name()];
    for (const api::Pod* pod : at.failed) doomed.push_back(pod);  // replaced, as Kubernetes does
    if (!ShouldRunDaemonPod(spec.template_(), node)) {
      if (!at.current.empty() || !at.old.empty()) status.set_number_misscheduled(status.number_misscheduled() + 1);
      doomed.insert(doomed.end(), at.current.begin(), at.current.end());
      doomed.insert(doomed.end(), at.old.begin(), at.old.end());
      continue;
    }
    ++desired;
    // One pod per node: extra current ones go (the oldest stays).
    std::sort(at.current.begin(), at.current.end(), [](const api::Pod* a, const api::Pod* b) {
      return a->metadata().creation_timestamp() < b->metadata().creation_timestamp();
    });
    for (size_t i = 1; i < at.current.size(); ++i) doomed.push_back(at.current[i]);
    if (at.current.size() > 1) at.current.resize(1);
    const api::Pod* running = !at.current.empty() ? at.current[0] : (!at.old.empty() ? at.old[0] : nullptr);
    if (running == nullptr) {
      fresh.push_back(std::make_unique<api::Pod>(DaemonPod(ds, hash, node.metadata().name())));
      ++unavailable;
    } else {
      status.set_current_number_scheduled(status.current_number_scheduled() + 1);
      if (api::IsPodReady(*running)) status.set_number_ready(status.number_ready() + 1);
      bool available = api::IsPodAvailable(*running, spec.min_ready_seconds(), now);
      if (available) status.set_number_available(status.number_available() + 1);
      if (!available) ++unavailable;
    }
    if (!at.current.empty()) status.set_updated_number_scheduled(status.updated_number_scheduled() + 1);
    if (!at.old.empty()) rolling.emplace_back(node.metadata().name(), &at);
  }
  // Pods for nodes that are gone.
  for (auto& [node_name, at] : by_node) {
    if (node_name.empty()) continue;
    const std::string& name = node_name;  // clang 14 cannot capture a structured binding
    if (std::none_of(nodes->items.begin(), nodes->items.end(),
                     [&](const auto& n) { return api::MetaOf(*n).name() == name; })) {
      doomed.insert(doomed.end(), at.current.begin(), at.current.end());
      doomed.insert(doomed.end(), at.old.begin(), at.old.end());
    }
  }

  if (spec.update_strategy().type() == "RollingUpdate") {
    const auto& rolling_update = spec.update_strategy().rolling_update();
    int32_t max_unavailable = api::ScaledIntOrPercent(rolling_update.max_unavailable(), desired, true).value_or(1);
    int32_t max_surge = api::ScaledIntOrPercent(rolling_update.max_surge(), desired, true).value_or(0);
    int32_t budget = max_unavailable - unavailable;
    int32_t surging = 0;
    for (auto& [node, at] : rolling) surging += !at->current.empty();
    for (auto& [node, at] : rolling) {
      const api::Pod* old = at->old[0];
      bool old_available = api::IsPodAvailable(*old, spec.min_ready_seconds(), now);
      if (!at->current.empty()) {
        // A surge pod beside the old one: the old goes once the new is available.
        if (api::IsPodAvailable(*at->current[0], spec.min_ready_seconds(), now)) {
          doomed.insert(doomed.end(), at->old.begin(), at->old.end());
        }
      } else if (max_surge > 0) {
        if (surging < max_surge || !old_available) {
          fresh.push_back(std::make_unique<api::Pod>(DaemonPod(ds, hash, node)));
          surging += old_available;
        }
      } else if (!old_available) {
        doomed.insert(doomed.end(), at->old.begin(), at->old.end());  // costs no availability
      } else if (budget > 0) {
        doomed.insert(doomed.end(), at->old.begin(), at->old.end());
        --budget;
      }
    }
  }

  absl::Status acted;
  if (!fresh.empty()) {
    CreateOutcome outcome = CreateInSlowStartBatches(store_, Pods(), std::move(fresh));
    acted = outcome.first_error;
    if (outcome.created > 0) Record(DaemonSets(), ds, "Normal", "SuccessfulCreate", absl::StrCat("Created ", outcome.created, " pods"));
    if (!acted.ok()) Record(DaemonSets(), ds, "Warning", "FailedCreate", absl::StrCat("Error creating: ", acted.message()));
  }
  for (const api::Pod* pod : doomed) {
    if (auto s = DeletePod(store_, *pod, now); !s.ok() && acted.ok()) acted = s;
  }
  if (!doomed.empty()) Record(DaemonSets(), ds, "Normal", "SuccessfulDelete", absl::StrCat("Deleted ", doomed.size(), " pods"));
  status.set_desired_number_scheduled(desired);
  status.set_number_unavailable(std::max(0, desired - status.number_available()));
  if (!google::protobuf::util::MessageDifferencer::Equals(status, ds.status())) {
    auto updated = std::make_unique<api::DaemonSet>(ds);
    *updated->mutable_status() = status;
    if (auto s = store_.Update(DaemonSets(), std::move(updated)); !s.ok()) return s.status();
  }
  if (!acted.ok()) return acted;
  bool waiting = status.number_ready() > status.number_available();
  return waiting ? absl::Seconds(std::max(1, spec.min_ready_seconds())) : absl::ZeroDuration();
}

}  // namespace gantry::controllers
