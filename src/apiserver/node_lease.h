// Each agent-run node's Lease in kube-node-lease, renewed from its
// heartbeats as kubelet renews it (a 40 s lease, renewed every 10 s), so
// `kubectl describe node` and anything that reads node leases sees it.
// Liveness itself is decided from heartbeats in memory (node_lifecycle.h);
// the Lease shows it. Simulated fleets do not keep one per hollow node.
#pragma once

#include <absl/status/status.h>
#include <absl/time/time.h>

#include "core.pb.h"
#include "store/store.h"

namespace gantry::apiserver {

inline constexpr char kNodeLeaseNamespace[] = "kube-node-lease";
inline constexpr int32_t kNodeLeaseSeconds = 40;

// Creates the node's Lease, or renews it when its renewTime is a quarter of
// the lease old; otherwise writes nothing.
absl::Status RenewNodeLease(store::Store& store, const api::Node& node, absl::Time now);

}  // namespace gantry::apiserver
