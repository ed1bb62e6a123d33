#include "api/kinds.h"
#include "api/pod_group/shapes.h"
#include "scheduling.pb.h"

namespace gantry::api {
namespace {

const std::string& MemberLabel() {
  static const std::string key = "scheduling.x-k8s.io/pod-group";
  return key;
}

// Phases and counts as scheduler-plugins' coscheduling controller reports
// them. Its status has no conditions: a timeout shows as an Event only.
class CoschedulingShape final : public PodGroupShape {
 public:
  const KindInfo& kind() const override { return PodGroupKind("scheduling.x-k8s.io/v1alpha1"); }

  GangSpec Spec(const google::protobuf::Message& message) const override {
    const auto& spec = static_cast<const CoschedulingPodGroup&>(message).spec();
    GangSpec gang = CommonGangSpec(spec);
    return gang;
  }

  int32_t min_member_floor() const override { return 0; }

  std::string GroupOf(const Pod& pod) const override { return LabelValue(pod, MemberLabel()); }

  void WriteStatus(const GangSpec& spec, const GangObservation& seen,
                   google::protobuf::Message* message) const override {
    CoschedulingPodGroupStatus* status = static_cast<CoschedulingPodGroup*>(message)->mutable_status();
    const int32_t min = EffectiveMinMember(spec);
    std::string phase = ScheduledPhase(min, seen);
    if (phase.empty()) phase = seen.members >= min ? "Scheduling" : "Pending";
    status->set_phase(phase);
    WriteCommonCounts(seen, status);
  }
};

}  // namespace

const PodGroupShape& CoschedulingPodGroupShape() {
  static const CoschedulingShape shape;
  return shape;
}

}  // namespace gantry::api
