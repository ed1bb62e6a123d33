// Join tokens as agents pass them (K10<ca hash>::server:<secret>).
#include <cstddef>
#include <cstdint>

#include "common/join_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto token = gantry::ParseJoinToken(text); token.ok()) (void)gantry::SecretsEqual(token->secret, text);
  return 0;
}
