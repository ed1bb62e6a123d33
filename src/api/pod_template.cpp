#include "api/pod_template.h"

#include "api/pod_conditions.h"
#include "common/time_format.h"

namespace gantry::api {

const OwnerReference* ControllerRefOf(const ObjectMeta& meta) {
  for (const auto& ref : meta.owner_references()) {
    if (ref.controller()) return &ref;
  }
  return nullptr;
}

bool IsControlledBy(const ObjectMeta& meta, absl::string_view uid) {
  const OwnerReference* ref = ControllerRefOf(meta);
  return ref != nullptr && ref->uid() == uid;
}

OwnerReference NewControllerRef(const KindInfo& kind, const ObjectMeta& owner) {
  OwnerReference ref;
  ref.set_api_version(kind.ApiVersion());
  ref.set_kind(std::string(kind.kind));
  ref.set_name(owner.name());
  ref.set_uid(owner.uid());
  ref.set_controller(true);
  ref.set_block_owner_deletion(true);
  return ref;
}

Pod PodFromTemplate(const PodTemplateSpec& template_, const KindInfo& owner_kind, const ObjectMeta& owner,
                    const std::string& generate_name, const std::string& name) {
  Pod pod;
  ObjectMeta* meta = pod.mutable_metadata();
  *meta->mutable_labels() = template_.metadata().labels();
  *meta->mutable_annotations() = template_.metadata().annotations();
  *meta->mutable_finalizers() = template_.metadata().finalizers();
  meta->set_namespace_(owner.namespace_());
  if (name.empty()) {
    meta->set_generate_name(generate_name);
  } else {
    meta->set_name(name);
  }
  *meta->add_owner_references() = NewControllerRef(owner_kind, owner);
  *pod.mutable_spec() = template_.spec();
  return pod;
}

bool IsActivePod(const Pod& pod) {
  const std::string& phase = pod.status().phase();
  return pod.metadata().deletion_timestamp().empty() && phase != "Succeeded" && phase != "Failed";
}

bool IsPodReady(const Pod& pod) {
  const PodCondition* ready = FindPodCondition(pod, "Ready");
  return ready != nullptr && ready->status() == "True";
}

bool IsPodAvailable(const Pod& pod, int32_t min_ready_seconds, absl::Time now) {
  const PodCondition* ready = FindPodCondition(pod, "Ready");
  if (ready == nullptr || ready->status() != "True") return false;
  if (min_ready_seconds <= 0) return true;
  auto since = ParseRfc3339(ready->last_transition_time());
  return since.has_value() && *since + absl::Seconds(min_ready_seconds) <= now;
}

}  // namespace gantry::api
