// A pod's volumes on its node. Each volume of the pod's own lives in
// <pod dir>/volumes/<name>: an emptyDir is a directory there (a tmpfs of
// sizeLimit for medium Memory), ConfigMap, Secret, downward API and
// projected volumes are written there atomically and rewritten when their
// content changes; a hostPath is the node's own path, checked (or created)
// as its type asks. Containers see them through bind mounts the shim makes
// in their mount namespace (container_shim.h).
//
// gantry's containers see the node's file system, so a mountPath that does
// not exist there is created on the node (a directory, or an empty file for
// a file's subPath) and removed with the pod unless another pod mounts there.
#pragma once

#include <absl/container/flat_hash_set.h>
#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "agent.pb.h"
#include "agent/pod_config.h"
#include "agent/runtime/container_shim.h"
#include "core.pb.h"

namespace gantry::agent {

class PodVolumes {
 public:
  explicit PodVolumes(std::string pod_dir);

  // Prepares every volume; an error names the volume, as kubelet's
  // "MountVolume.SetUp failed for volume ..." does. Safe to call again.
  absl::Status SetUp(const api::Pod& pod, const api::PodConfig& config, const NodeFacts& node);
  // Rewrites the ConfigMap, Secret, downward API and projected volumes whose
  // content changed; the names of those rewritten.
  absl::StatusOr<std::vector<std::string>> Refresh(const api::Pod& pod, const api::PodConfig& config,
                                                   const NodeFacts& node);
  // The container's mounts, their mount points made on the node.
  absl::StatusOr<std::vector<ShimMount>> MountsFor(const api::Pod& pod, const api::Container& container);
  // kubelet's eviction message for the first disk emptyDir over its sizeLimit.
  std::optional<std::string> OverLimit(const api::Pod& pod) const;
  // Unmounts the pod's tmpfs volumes and removes the mount points it made,
  // except those at or above a path in `mounted_elsewhere`.
  void TearDown(const api::Pod& pod, const absl::flat_hash_set<std::string>& mounted_elsewhere);

  // Every mountPath of the pod's containers.
  static std::vector<std::string> MountPaths(const api::Pod& pod);

 private:
  std::string VolumeDir(const std::string& name) const;
  absl::Status SetUpVolume(const api::Volume& volume, const api::Pod& pod, const api::PodConfig& config,
                           const NodeFacts& node);
  absl::Status MakeMountPoint(const std::string& target, bool directory);

  const std::string pod_dir_;
};

}  // namespace gantry::agent
