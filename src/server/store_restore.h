// `gantry server --restore PATH`: the snapshot replaces the store, once. A
// restart that still carries the flag (a unit or config not yet edited)
// starts from the store as it is, with a warning, instead of throwing away
// what was written since the restore.
#pragma once

#include <absl/status/status.h>

#include <string>

namespace gantry::server {

absl::Status RestoreOnce(const std::string& snapshot_path, const std::string& data_dir);

}  // namespace gantry::server
