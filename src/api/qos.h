// Colocation QoS classes and reclaimed resources, in the names people already
// use. gantry's annotation gantry.io/qos-class, Katalyst's annotation
// katalyst.kubewharf.io/qos_level and Koordinator's label koordinator.sh/qosClass
// all map onto one class; Katalyst's and Koordinator's reclaimed resource
// names are aliases of gantry's, so the scheduler and the agent count one
// resource whichever name a manifest uses.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <string>

#include "core.pb.h"

namespace gantry::api {

enum class QosClass {
  kDedicated,  // exclusive whole CPUs
  kShared,     // online services on the shared pool (the default)
  kReclaimed,  // best-effort batch on what the online pods leave unused
  kSystem,     // node daemons
};

inline constexpr absl::string_view kQosClassAnnotation = "gantry.io/qos-class";
inline constexpr absl::string_view kKatalystQosAnnotation = "katalyst.kubewharf.io/qos_level";
inline constexpr absl::string_view kKoordinatorQosLabel = "koordinator.sh/qosClass";

// Integer millicores and bytes.
inline constexpr absl::string_view kReclaimedMilliCpu = "gantry.io/reclaimed-millicpu";
inline constexpr absl::string_view kReclaimedMemory = "gantry.io/reclaimed-memory";
// On the Node: the terms behind its reclaimed figure, as JSON (agent.proto's
// ReclaimedResources), written when the agent publishes it.
inline constexpr absl::string_view kReclaimedBreakdownAnnotation = "gantry.io/reclaimed-resources";

absl::string_view QosClassName(QosClass c);  // "dedicated", "shared", "reclaimed", "system"

// The class the pod's markers name; a pod that names none is reclaimed when
// it requests reclaimed resources, else shared. A 422 (InvalidError) naming
// the field for an unknown value, and naming both fields when two markers
// disagree.
absl::StatusOr<QosClass> ParseQosClass(const Pod& pod);

// The first class marker the pod carries, as "key=value"; empty when it has none.
std::string QosMarkerOf(const Pod& pod);

// gantry's name for a resource: the reclaimed aliases map onto
// gantry.io/reclaimed-millicpu and gantry.io/reclaimed-memory; every other
// name is its own.
absl::string_view CanonicalResourceName(absl::string_view name);

}  // namespace gantry::api
