#include "common/join_token.h"

#include <absl/strings/ascii.h>
#include <absl/strings/escaping.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>

namespace gantry {
namespace {

constexpr absl::string_view kPrefix = "K10";
constexpr absl::string_view kSeparator = "::server:";

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string FormatJoinToken(absl::string_view ca_pem, absl::string_view secret) {
  return absl::StrCat(kPrefix, Sha256Hex(ca_pem), kSeparator, secret);
}

absl::StatusOr<JoinToken> ParseJoinToken(absl::string_view token) {
  token = absl::StripAsciiWhitespace(token);
  auto malformed = [](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed join token (", why, "); expected K10<sha256 of the CA>::server:<secret>"));
  };
  if (!absl::StartsWith(token, kPrefix)) return malformed("no K10 prefix");
  size_t sep = token.find(kSeparator);
  if (sep == absl::string_view::npos) return malformed("no ::server: part");
  JoinToken out;
  out.ca_hash = absl::AsciiStrToLower(token.substr(kPrefix.size(), sep - kPrefix.size()));
  out.secret = std::string(token.substr(sep + kSeparator.size()));
  bool hex = std::all_of(out.ca_hash.begin(), out.ca_hash.end(), [](char c) { return absl::ascii_isxdigit(c); });
  if (out.ca_hash.size() != 2 * SHA256_DIGEST_LENGTH || !hex) return malformed("the CA hash is not 64 hex digits");
  if (out.secret.empty()) return malformed("empty secret");
  return out;
}

bool SecretsEqual(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gantry
