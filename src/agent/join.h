// Joining a server, k3s-style: fetch the server's CA without trusting it,
// check its sha256 against the hash in the join token, and only then talk
// to the server (with that CA pinned) and send the token's secret.
#pragma once

#include <absl/status/statusor.h>

#include <string>

#include "common/join_token.h"

namespace gantry::agent {

struct JoinedServer {
  std::string ca_pem;       // pinned: every later connection verifies against it
  std::string grpc_target;  // host:port of the agent endpoint
  JoinToken token;
};

// `server_url`: https://host:port of the API server. A CA whose hash does
// not match the token is PermissionDenied: nothing is sent to that server.
absl::StatusOr<JoinedServer> Join(const std::string& server_url, const std::string& token);

}  // namespace gantry::agent
