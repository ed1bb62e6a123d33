// The cluster's certificate authority and the server certificate it signs,
// created with OpenSSL on first start under <data-dir>/tls/.
#pragma once

#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>
#include <vector>

struct x509_store_st;

namespace gantry::tls {

struct ServerTls {
  std::string ca_cert_path;
  std::string cert_path;
  std::string key_path;
  std::string ca_pem;  // for kubeconfigs and (later) agent joins
};

// The CA lasts ten years; the server certificate it signs one, and is
// reissued from the same CA at start once it is within kRenewWithin of its
// end (certificates that silently expire after a year are a top complaint
// of k3s operators).
inline constexpr absl::Duration kLeafLifetime = absl::Hours(24 * 365);
inline constexpr absl::Duration kRenewWithin = absl::Hours(24 * 90);

// Loads <dir>/ca.{crt,key} and <dir>/server.{crt,key}, creating what is
// missing. A server certificate that does not cover `hosts` (DNS names or IP
// addresses), or is within kRenewWithin of expiring, is reissued from the
// same CA, so agents keep the CA they pinned.
absl::StatusOr<ServerTls> EnsureServerTls(const std::string& dir, const std::vector<std::string>& hosts);

// Reissues <dir>/server.{crt,key} from the CA in <dir> now, for `hosts` and
// every name the current certificate covers (gantry certificate rotate).
absl::Status RotateServerCertificate(const std::string& dir, const std::vector<std::string>& hosts);

struct CertificateInfo {
  std::string path;
  std::string common_name;
  absl::Time not_before;
  absl::Time not_after;
};
absl::StatusOr<CertificateInfo> InspectCertificate(const std::string& path);

// 32 random bytes, hex encoded.
absl::StatusOr<std::string> RandomToken();

// Hosts a server certificate should name: localhost, loopback, the host name
// and the machine's IPv4 addresses.
std::vector<std::string> LocalHostNames();

// An OpenSSL certificate store holding the PEM's certificates (for
// httplib's set_ca_cert_store, which takes ownership).
x509_store_st* CertStoreFromPem(const std::string& pem);

}  // namespace gantry::tls
