// Writes a volume's files the way kubelet's AtomicWriter does, so a
// container reading them never sees half an update: the files go to a fresh
// "..<time>" directory, the "..data" symlink is swapped to it with one
// rename, and each top-level name is a symlink through "..data".
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "agent/volumes/volume_files.h"

namespace gantry::agent {

// Makes `dir` hold exactly `files`; false when it already did (nothing written).
absl::StatusOr<bool> WriteVolumeAtomically(const std::string& dir, const std::vector<VolumeFile>& files);

}  // namespace gantry::agent
