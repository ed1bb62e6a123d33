// The node-credential file (node/fleet/member lines) and bearer tokens
// checked against it. The first line of the input is the token.
#include <cstddef>
#include <cstdint>

#include "apiserver/node_credentials.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  size_t newline = text.find('\n');
  std::string token(text.substr(0, newline));
  absl::string_view file = newline == absl::string_view::npos ? absl::string_view() : text.substr(newline + 1);
  auto creds = gantry::apiserver::NodeCredentials::Parse("/nonexistent/node-tokens", file);
  if (!creds.ok()) return 0;
  for (const char* node : {"n1", "hollow-1", ""}) (void)(*creds)->Verify(node, token);
  (void)(*creds)->VerifyFleet("fleet", token);
  (void)(*creds)->FleetNodes("fleet");
  return 0;
}
