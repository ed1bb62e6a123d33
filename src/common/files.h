#pragma once

#include <absl/status/statusor.h>
#include <sys/types.h>

#include <string>

namespace gantry {

absl::StatusOr<std::string> ReadFile(const std::string& path);
// Writes to a temporary file, fsyncs and renames: readers never see half a file.
absl::Status WriteFileAtomic(const std::string& path, const std::string& data, mode_t mode);

}  // namespace gantry
