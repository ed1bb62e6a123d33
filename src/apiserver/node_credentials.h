// Per-node credentials: each agent that joins gets a token of its own, good
// only for its node, so one node cannot report or fetch as another. Only a
// hash of each token is kept, in <data-dir>/tls/node-tokens (one
// "node sha256hex" line per node, rewritten atomically).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <string>

namespace gantry::apiserver {

class NodeCredentials {
 public:
  static absl::StatusOr<std::unique_ptr<NodeCredentials>> Open(std::string path);

  // A fresh token for `node`, replacing any earlier one.
  absl::StatusOr<std::string> Issue(const std::string& node);
  bool Verify(const std::string& node, const std::string& token) const;

 private:
  explicit NodeCredentials(std::string path) : path_(std::move(path)) {}
  absl::Status Save() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> hashes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gantry::apiserver
