// The cluster's certificate authority and the server certificate it signs,
// created with OpenSSL on first start under <data-dir>/tls/.
#pragma once

#include <absl/status/statusor.h>

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

// Loads <dir>/ca.{crt,key} and <dir>/server.{crt,key}, creating what is
// missing. A server certificate that does not cover `hosts` (DNS names or IP
// addresses) is reissued from the same CA.
absl::StatusOr<ServerTls> EnsureServerTls(const std::string& dir, const std::vector<std::string>& hosts);

// 32 random bytes, hex encoded.
absl::StatusOr<std::string> RandomToken();

// Hosts a server certificate should name: localhost, loopback, the host name
// and the machine's IPv4 addresses.
std::vector<std::string> LocalHostNames();

// An OpenSSL certificate store holding the PEM's certificates (for
// httplib's set_ca_cert_store, which takes ownership).
x509_store_st* CertStoreFromPem(const std::string& pem);

}  // namespace gantry::tls
