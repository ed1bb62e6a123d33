// The files of a ConfigMap, Secret, downward API or projected volume: what
// the pod's objects and fields put in it, with Kubernetes' paths and modes.
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "agent.pb.h"
#include "agent/pod_config.h"
#include "core.pb.h"

namespace gantry::agent {

struct VolumeFile {
  std::string path;  // relative to the volume
  std::string content;
  int mode = 0644;
  bool operator==(const VolumeFile&) const = default;
};

// Whether the volume's content comes from objects and fields (and is kept up to date).
bool IsProjectedVolume(const api::Volume& volume);

// The volume's files, sorted by path. A required ConfigMap, Secret or key
// that is missing is an error naming it, as kubelet's MountVolume.SetUp
// reports it.
absl::StatusOr<std::vector<VolumeFile>> VolumeFiles(const api::Volume& volume, const api::Pod& pod,
                                                    const api::PodConfig& config, const NodeFacts& node);

}  // namespace gantry::agent
