// The join token, k3s-style: "K10<sha256 hex of the CA certificate PEM>::server:<secret>".
// The hash lets a joining agent pin the server's CA before it sends the
// secret; the secret proves the agent may join.
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <string>

namespace gantry {

struct JoinToken {
  std::string ca_hash;  // lowercase hex sha256 of the CA PEM as served at /cacerts
  std::string secret;
};

std::string Sha256Hex(absl::string_view data);
std::string FormatJoinToken(absl::string_view ca_pem, absl::string_view secret);
// InvalidArgument naming what is malformed.
absl::StatusOr<JoinToken> ParseJoinToken(absl::string_view token);
// Constant-time comparison for secrets.
bool SecretsEqual(absl::string_view a, absl::string_view b);

}  // namespace gantry
