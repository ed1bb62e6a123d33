#pragma once

#include <absl/status/statusor.h>
#include <sys/types.h>

#include <string>

namespace gantry {

absl::StatusOr<std::string> ReadFile(const std::string& path);
enum class Durability {
  kSynced,       // fsync before the rename: survives a power loss
  kProcessOnly,  // survives the writer's crash (kill -9), not a power loss
};

// Writes to a temporary file and renames it: readers never see half a file.
absl::Status WriteFileAtomic(const std::string& path, const std::string& data, mode_t mode,
                             Durability durability = Durability::kSynced);

}  // namespace gantry
