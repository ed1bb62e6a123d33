#include "api/gang.h"

#include <absl/strings/str_cat.h>

#include <algorithm>

#include "api/pod_group/shapes.h"

namespace gantry::api {

const std::vector<const PodGroupShape*>& PodGroupShapes() {
  static const std::vector<const PodGroupShape*> shapes = {&GantryPodGroupShape(), &CoschedulingPodGroupShape(),
                                                           &VolcanoPodGroupShape()};
  return shapes;
}

const PodGroupShape* FindPodGroupShape(const KindInfo& kind) {
  for (const PodGroupShape* shape : PodGroupShapes()) {
    if (&shape->kind() == &kind) return shape;
  }
  return nullptr;
}

const PodGroupShape* FindPodGroupShape(const google::protobuf::Message& group) {
  for (const PodGroupShape* shape : PodGroupShapes()) {
    if (shape->kind().prototype->GetDescriptor() == group.GetDescriptor()) return shape;
  }
  return nullptr;
}

PodGroupSummary SummarizePodGroup(const PodGroupShape& shape, const google::protobuf::Message& group) {
  PodGroupSummary out;
  out.min_member = shape.Spec(group).min_member;
  // Every shape's status is a message with a phase and some of the counts.
  const auto* reflection = group.GetReflection();
  const auto& status = reflection->GetMessage(group, group.GetDescriptor()->FindFieldByName("status"));
  const auto* descriptor = status.GetDescriptor();
  out.phase = status.GetReflection()->GetString(status, descriptor->FindFieldByName("phase"));
  auto count = [&](const char* name) -> std::optional<int32_t> {
    const auto* field = descriptor->FindFieldByName(name);
    if (field == nullptr) return std::nullopt;
    return status.GetReflection()->GetInt32(status, field);
  };
  out.scheduled = count("scheduled");
  out.running = count("running");
  out.succeeded = count("succeeded");
  out.failed = count("failed");
  return out;
}

std::string GangRef::Key(absl::string_view namespace_) const {
  return absl::StrCat(shape->kind().group, "/", namespace_, "/", name);
}

std::optional<GangRef> GangOf(const Pod& pod) {
  for (const PodGroupShape* shape : PodGroupShapes()) {
    std::string name = shape->GroupOf(pod);
    if (!name.empty()) return GangRef{shape, std::move(name)};
  }
  return std::nullopt;
}

int32_t EffectiveMinMember(const GangSpec& spec) { return std::max<int32_t>(1, spec.min_member); }

absl::Duration EffectiveScheduleTimeout(const GangSpec& spec) {
  return spec.schedule_timeout_seconds > 0 ? absl::Seconds(spec.schedule_timeout_seconds) : kDefaultGangScheduleTimeout;
}

}  // namespace gantry::api
