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
std::string LabelValue(const Pod& pod, absl::string_view key);
std::string ScheduledPhase(int32_t min_member, const GangObservation& seen);

// Sets condition `type` to `status` in a Volcano-shaped condition list,
// stamping the transition time only when the status changes.
void SetGroupCondition(google::protobuf::RepeatedPtrField<PodGroupCondition>* conditions, absl::string_view type,
                       absl::string_view status, absl::string_view reason, absl::string_view message,
                       absl::string_view now);

}  // namespace gantry::api
