// The DaemonSet controller: one pod of the template on every node whose
// labels match its nodeSelector and required node affinity and whose
// NoSchedule/NoExecute taints it tolerates (with the tolerations Kubernetes
// gives daemon pods for not-ready, unreachable, unschedulable and pressured
// nodes). Each pod is placed through gantry's scheduler with a required node
// affinity on metadata.name, as Kubernetes does, so resources are still
// checked. Pods on nodes that no longer match go; nodes that join get one.
// A template change rolls node by node: RollingUpdate within maxUnavailable
// (or, with maxSurge, a new pod beside the old until it is available);
// OnDelete waits for the old pods to be deleted.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <mutex>
#include <string>

#include "controllers/reconciling_controller.h"
#include "core.pb.h"

namespace gantry::controllers {

inline constexpr char kControllerRevisionHashLabel[] = "controller-revision-hash";

class DaemonSetController : public ReconcilingController {
 public:
  explicit DaemonSetController(store::Store& store, store::EventRecorder* events = nullptr);
  ~DaemonSetController() override;

  absl::StatusOr<absl::Duration> Reconcile(const std::string& key, absl::Time now) override;

 protected:
  absl::Status Subscribe(WatchFeed& feed) override;

 private:
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::string> placement_of_;  // node -> its labels and taints
};

// Whether a daemon pod of `template_` belongs on `node`.
bool ShouldRunDaemonPod(const api::PodTemplateSpec& template_, const api::Node& node);

}  // namespace gantry::controllers
