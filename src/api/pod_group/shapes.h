// The PodGroup shapes, one file each; api/gang.h is their interface.
#pragma once

#include "api/gang.h"
#include "scheduling.pb.h"

namespace gantry::api {

// scheduling.gantry.io/v1alpha1; pods join with the label
// scheduling.gantry.io/pod-group.
const PodGroupShape& GantryPodGroupShape();
// scheduling.x-k8s.io/v1alpha1 (scheduler-plugins coscheduling); pods join
// with the label scheduling.x-k8s.io/pod-group.
const PodGroupShape& CoschedulingPodGroupShape();
// scheduling.volcano.sh/v1beta1; pods join with the annotation
// scheduling.k8s.io/group-name (or scheduling.volcano.sh/group-name).
const PodGroupShape& VolcanoPodGroupShape();

// What the shapes share: their kind by apiVersion, a member label's value,
// and the phases past scheduling ("Failed", "Finished", "Running",
// "Scheduled"; "" while fewer than minMember are bound).
const KindInfo& PodGroupKind(absl::string_view api_version);
std::string LabelValue(const Pod& pod, const std::string& key);
std::string ScheduledPhase(int32_t min_member, const GangObservation& seen);

// The spec fields gantry's and scheduler-plugins' kinds share.
template <typename GroupSpec>
GangSpec CommonGangSpec(const GroupSpec& spec) {
  GangSpec gang;
  gang.min_member = spec.min_member();
  gang.min_resources.insert(spec.min_resources().begin(), spec.min_resources().end());
  gang.schedule_timeout_seconds = spec.schedule_timeout_seconds();
  return gang;
}

// The counts gantry's and scheduler-plugins' statuses share.
template <typename GroupStatus>
void WriteCommonCounts(const GangObservation& seen, GroupStatus* status) {
  status->set_scheduled(seen.scheduled);
  status->set_running(seen.running);
  status->set_succeeded(seen.succeeded);
  status->set_failed(seen.failed);
  status->set_schedule_start_time(seen.schedule_start_time);
}

// Sets condition `type` to `status` in a Volcano-shaped condition list,
// stamping the transition time only when the status changes.
void SetGroupCondition(google::protobuf::RepeatedPtrField<PodGroupCondition>* conditions, absl::string_view type,
                       absl::string_view status, absl::string_view reason, absl::string_view message,
                       absl::string_view now);

}  // namespace gantry::api
