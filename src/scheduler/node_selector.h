#pragma once

#include "core.pb.h"

namespace gantry::scheduler {

// One term: every matchExpressions requirement holds on the node's labels and
// every matchFields requirement on its fields (metadata.name). A term with no
// requirements matches nothing, as in Kubernetes.
bool TermMatches(const api::NodeSelectorTerm& term, const api::Node& node);
// Terms are ORed; no terms match nothing.
bool AnyTermMatches(const api::NodeSelector& selector, const api::Node& node);

}  // namespace gantry::scheduler
