#include <array>

#include "api/kinds.h"
#include "api/pod_group/shapes.h"
#include "scheduling.pb.h"

namespace gantry::api {
namespace {

const std::array<std::string, 2>& MemberAnnotations() {
  static const std::array<std::string, 2> keys = {"scheduling.k8s.io/group-name", "scheduling.volcano.sh/group-name"};
  return keys;
}

// Phases (Pending, Inqueue, Running, Completed, Unknown) and the
// Scheduled / Unschedulable conditions as Volcano reports them.
class VolcanoShape final : public PodGroupShape {
 public:
  const KindInfo& kind() const override { return PodGroupKind("scheduling.volcano.sh/v1beta1"); }

  GangSpec Spec(const google::protobuf::Message& message) const override {
    const auto& spec = static_cast<const VolcanoPodGroup&>(message).spec();
    GangSpec gang;
    gang.min_member = spec.min_member();
    gang.min_resources.insert(spec.min_resources().begin(), spec.min_resources().end());
    gang.priority_class_name = spec.priority_class_name();
    gang.queue = spec.queue();
    return gang;
  }

  int32_t min_member_floor() const override { return 0; }

  std::string GroupOf(const Pod& pod) const override {
    const auto& annotations = pod.metadata().annotations();
    if (annotations.empty()) return "";
    for (const std::string& key : MemberAnnotations()) {
      auto it = annotations.find(key);
      if (it != annotations.end() && !it->second.empty()) return it->second;
    }
    return "";
  }

  void WriteStatus(const GangSpec& spec, const GangObservation& seen,
                   google::protobuf::Message* message) const override {
    VolcanoPodGroupStatus* status = static_cast<VolcanoPodGroup*>(message)->mutable_status();
    const int32_t min = EffectiveMinMember(spec);
    std::string phase = "Pending";
    if (seen.succeeded >= min && seen.running == 0) {
      phase = "Completed";
    } else if (seen.scheduled >= min) {
      phase = "Running";
    } else if (seen.scheduled > 0) {
      phase = "Unknown";  // fewer than minMember left after failures
    } else if (seen.members >= min) {
      phase = "Inqueue";
    }
    status->set_phase(phase);
    status->set_running(seen.running);
    status->set_succeeded(seen.succeeded);
    status->set_failed(seen.failed);
    const bool scheduled = seen.scheduled >= min;
    SetGroupCondition(status->mutable_conditions(), "Scheduled", scheduled ? "True" : "False", "", "", seen.now);
    const bool stuck = !scheduled && seen.timed_out;
    SetGroupCondition(status->mutable_conditions(), "Unschedulable", stuck ? "True" : "False",
                      stuck ? "NotEnoughResources" : "",
                      stuck ? "the gang did not fit within its schedule timeout" : "", seen.now);
  }
};

}  // namespace

const PodGroupShape& VolcanoPodGroupShape() {
  static const VolcanoShape shape;
  return shape;
}

}  // namespace gantry::api
