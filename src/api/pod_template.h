// What the workload controllers share about the pods they own: the labels
// and annotations Kubernetes gives them, controller references, and pods
// made from templates.
#pragma once

#include <absl/strings/string_view.h>
#include <absl/time/time.h>

#include <cstdint>
#include <string>

#include "api/kinds.h"
#include "core.pb.h"

namespace gantry::api {

inline constexpr absl::string_view kPodTemplateHashLabel = "pod-template-hash";
inline constexpr absl::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr absl::string_view kDesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
inline constexpr absl::string_view kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr absl::string_view kJobControllerUidLabel = "batch.kubernetes.io/controller-uid";
inline constexpr absl::string_view kJobNameLabel = "batch.kubernetes.io/job-name";
inline constexpr absl::string_view kJobCompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";

// The owner reference with controller: true, or nullptr.
const OwnerReference* ControllerRefOf(const ObjectMeta& meta);
// Whether `meta`'s controller is the object with `uid`.
bool IsControlledBy(const ObjectMeta& meta, absl::string_view uid);
// A controller reference to `owner` of `kind`, blocking the owner's
// foreground deletion until the dependent is gone.
OwnerReference NewControllerRef(const KindInfo& kind, const ObjectMeta& owner);

// A new pod from `template_` in `owner`'s namespace, named `name` (or, when
// empty, generated from `generate_name`), controlled by `owner`.
Pod PodFromTemplate(const PodTemplateSpec& template_, const KindInfo& owner_kind, const ObjectMeta& owner,
                    const std::string& generate_name, const std::string& name = "");

// Whether a pod counts as running or about to: not terminating, and not
// Succeeded or Failed.
bool IsActivePod(const Pod& pod);
// Ready: its Ready condition is True.
bool IsPodReady(const Pod& pod);
// Ready for at least `min_ready_seconds` at `now`.
bool IsPodAvailable(const Pod& pod, int32_t min_ready_seconds, absl::Time now);

}  // namespace gantry::api
