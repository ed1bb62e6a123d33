// Node conditions the way Kubernetes keeps them: one per type,
// lastTransitionTime moving only when the status changes.
#pragma once

#include <string>

#include "core.pb.h"

namespace gantry::api {

// Nodes a node agent registered carry this annotation; the node lifecycle
// controller watches only their heartbeats.
inline constexpr char kAgentAnnotation[] = "gantry.io/agent";

// The condition of `type`, or nullptr.
const NodeCondition* FindNodeCondition(const Node& node, const std::string& type);

// Sets (or adds) the condition; returns it so the caller may stamp
// lastHeartbeatTime, which only the node's own reports move.
NodeCondition& SetNodeCondition(Node& node, const std::string& type, const std::string& status,
                                const std::string& reason, const std::string& message);

}  // namespace gantry::api
