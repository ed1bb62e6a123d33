// Per-node credentials: each agent that joins gets a token of its own, good
// only for its node, so one node cannot report or fetch as another. A fleet
// of simulated nodes (one agent process) gets one token good for exactly its
// nodes. Only hashes are kept, in <data-dir>/tls/node-tokens, rewritten
// atomically: "node NAME HASH", "fleet NAME HASH", "member NODE FLEET".
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <memory>
#include <string>
#include <vector>

namespace gantry::apiserver {

class NodeCredentials {
 public:
  static absl::StatusOr<std::unique_ptr<NodeCredentials>> Open(std::string path);
  // The file's contents as Open reads them; `path` is where Save writes.
  static absl::StatusOr<std::unique_ptr<NodeCredentials>> Parse(std::string path, absl::string_view text);

  // A fresh token for `node`, replacing any earlier one.
  absl::StatusOr<std::string> Issue(const std::string& node);
  // A fresh token for `fleet`, covering exactly `nodes`.
  absl::StatusOr<std::string> IssueFleet(const std::string& fleet, const std::vector<std::string>& nodes);

  // True when `token` is the node's own or its fleet's.
  bool Verify(const std::string& node, const std::string& token) const;
  bool VerifyFleet(const std::string& fleet, const std::string& token) const;
  // Sorted by name.
  std::vector<std::string> FleetNodes(const std::string& fleet) const;

 private:
  explicit NodeCredentials(std::string path) : path_(std::move(path)) {}
  absl::Status Save() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> nodes_ ABSL_GUARDED_BY(mu_);   // node -> hash
  absl::flat_hash_map<std::string, std::string> fleets_ ABSL_GUARDED_BY(mu_);  // fleet -> hash
  absl::flat_hash_map<std::string, std::string> member_ ABSL_GUARDED_BY(mu_);  // node -> fleet
};

}  // namespace gantry::apiserver
