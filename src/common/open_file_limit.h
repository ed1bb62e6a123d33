// Every connection, watch and pod log costs a file descriptor: servers raise
// their soft limit to the hard limit at start.
#pragma once

#include <cstdint>

namespace gantry {

// Raises RLIMIT_NOFILE's soft limit to its hard limit and logs the result,
// warning when the limit caps the server below `wanted` descriptors.
// Returns the soft limit now in force.
uint64_t RaiseOpenFileLimit(uint64_t wanted);

}  // namespace gantry
