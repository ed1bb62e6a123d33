// CPU rates from cumulative cgroup cpu time: each key's millicores since its
// previous reading. One meter per reader (heartbeats, the colocation loop),
// since each reads at its own pace.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/time/time.h>

#include <cstdint>
#include <optional>
#include <string>

namespace gantry::agent {

class CpuMeter {
 public:
  // Millicores since `key`'s previous reading; nullopt on its first reading
  // or when the counter went backwards (the group was made anew).
  std::optional<int64_t> Read(const std::string& key, uint64_t usage_ns, absl::Time at);
  // Forgets the keys not read since the previous call: groups that are gone.
  void EndRound();

 private:
  struct Reading {
    uint64_t ns = 0;
    absl::Time at;
    bool read = false;
  };
  absl::flat_hash_map<std::string, Reading> last_;
};

}  // namespace gantry::agent
