#include "api/kinds.h"
#include "api/pod_group/shapes.h"
#include "scheduling.pb.h"

namespace gantry::api {
namespace {

// Every pod event asks: a std::string key spares an allocation per lookup.
const std::string& MemberLabel() {
  static const std::string key = "scheduling.gantry.io/pod-group";
  return key;
}

class GantryShape final : public PodGroupShape {
 public:
  const KindInfo& kind() const override { return PodGroupKind("scheduling.gantry.io/v1alpha1"); }

  GangSpec Spec(const google::protobuf::Message& message) const override {
    const auto& spec = static_cast<const PodGroup&>(message).spec();
    GangSpec gang = CommonGangSpec(spec);
    gang.priority_class_name = spec.priority_class_name();
    for (const auto& term : spec.affinity().pod_group_affinity().required()) {
      gang.required_topology_keys.push_back(term.topology_key());
    }
    for (const auto& term : spec.affinity().pod_group_affinity().preferred()) {
      gang.preferred_topology_keys.push_back(term.topology_key());
    }
    return gang;
  }

  std::string GroupOf(const Pod& pod) const override { return LabelValue(pod, MemberLabel()); }

  void WriteStatus(const GangSpec& spec, const GangObservation& seen,
                   google::protobuf::Message* message) const override {
    PodGroupStatus* status = static_cast<PodGroup*>(message)->mutable_status();
    const int32_t min = EffectiveMinMember(spec);
    std::string phase = ScheduledPhase(min, seen);
    if (phase.empty()) phase = seen.timed_out ? "Timeout" : "Pending";
    status->set_phase(phase);
    WriteCommonCounts(seen, status);
    SetGroupCondition(status->mutable_conditions(), "Scheduled", seen.scheduled >= min ? "True" : "False",
                      seen.timed_out && seen.scheduled < min ? "Timeout" : "", "", seen.now);
  }
};

}  // namespace

const KindInfo& PodGroupKind(absl::string_view api_version) {
  return *FindKindByApiVersion(api_version, "PodGroup");
}

std::string LabelValue(const Pod& pod, const std::string& key) {
  auto it = pod.metadata().labels().find(key);
  return it == pod.metadata().labels().end() ? "" : it->second;
}

std::string ScheduledPhase(int32_t min_member, const GangObservation& seen) {
  if (seen.failed > 0 && seen.running + seen.succeeded < min_member) return "Failed";
  if (seen.succeeded >= min_member && seen.running == 0) return "Finished";
  if (seen.running >= min_member) return "Running";
  if (seen.scheduled >= min_member) return "Scheduled";
  return "";
}

const PodGroupShape& GantryPodGroupShape() {
  static const GantryShape shape;
  return shape;
}

void SetGroupCondition(google::protobuf::RepeatedPtrField<PodGroupCondition>* conditions, absl::string_view type,
                       absl::string_view status, absl::string_view reason, absl::string_view message,
                       absl::string_view now) {
  PodGroupCondition* c = nullptr;
  for (auto& existing : *conditions) {
    if (existing.type() == type) c = &existing;
  }
  if (c == nullptr) {
    c = conditions->Add();
    c->set_type(std::string(type));
  }
  if (c->status() != status) c->set_last_transition_time(std::string(now));
  c->set_status(std::string(status));
  c->set_reason(std::string(reason));
  c->set_message(std::string(message));
}

}  // namespace gantry::api
