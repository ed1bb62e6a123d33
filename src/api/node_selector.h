// Node selectors (nodeAffinity terms) matched against a Node, as
// Kubernetes matches them; the scheduler and the DaemonSet controller share it.
#pragma once

#include "core.pb.h"

namespace gantry::api {

// One term: every matchExpressions requirement holds on the node's labels and
// every matchFields requirement on its fields (metadata.name). A term with no
// requirements matches nothing, as in Kubernetes.
bool TermMatches(const NodeSelectorTerm& term, const Node& node);
// Terms are ORed; no terms match nothing.
bool AnyTermMatches(const NodeSelector& selector, const Node& node);

}  // namespace gantry::api
