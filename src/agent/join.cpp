#include "agent/join.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/tls.h"

namespace gantry::agent {
namespace {

// "https://host:port" -> "host" (brackets kept for IPv6).
std::string HostOf(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  if (absl::StartsWith(rest, "[")) return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find_first_of(":/"));
}

}  // namespace

absl::StatusOr<JoinedServer> Join(const std::string& server_url, const std::string& token) {
  auto parsed = ParseJoinToken(token);
  if (!parsed.ok()) return parsed.status();
  if (!absl::StartsWith(server_url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat("--server must be an https:// URL, got \"", server_url, "\""));
  }

  // Unverified on purpose: what comes back is checked against the token.
  httplib::Client untrusted(server_url);
  untrusted.enable_server_certificate_verification(false);
  untrusted.set_connection_timeout(10);
  auto ca = untrusted.Get("/cacerts");
  if (!ca) {
    return absl::UnavailableError(absl::StrCat("cannot reach ", server_url, ": ", httplib::to_string(ca.error())));
  }
  if (ca->status != 200) return absl::UnavailableError(absl::StrCat(server_url, "/cacerts answered ", ca->status));
  if (Sha256Hex(ca->body) != parsed->ca_hash) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the CA of ", server_url, " does not match the join token (sha256 ", Sha256Hex(ca->body), ", token pins ",
        parsed->ca_hash, "); refusing to send the secret"));
  }

  httplib::Client pinned(server_url);
  pinned.set_ca_cert_store(tls::CertStoreFromPem(ca->body));
  pinned.enable_server_certificate_verification(true);
  pinned.set_connection_timeout(10);
  auto endpoint = pinned.Get("/agent/v1/endpoint");
  if (!endpoint || endpoint->status != 200) {
    return absl::UnavailableError(absl::StrCat("cannot read the agent endpoint of ", server_url, ": ",
                                               endpoint ? std::to_string(endpoint->status)
                                                        : httplib::to_string(endpoint.error())));
  }
  auto body = nlohmann::json::parse(endpoint->body, nullptr, false);
  if (!body.is_object() || !body.contains("grpcPort")) {
    return absl::DataLossError("the agent endpoint answer has no grpcPort");
  }
  return JoinedServer{ca->body, absl::StrCat(HostOf(server_url), ":", body["grpcPort"].get<int>()), *parsed};
}

}  // namespace gantry::agent
