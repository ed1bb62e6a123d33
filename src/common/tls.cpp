#include "common/tls.h"

#include "common/files.h"

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <arpa/inet.h>
#include <spdlog/spdlog.h>
#include <ifaddrs.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>

namespace gantry::tls {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

absl::Status OpenSslError(absl::string_view what) {
  return absl::InternalError(absl::StrCat("openssl: ", what, ": error ", ERR_get_error()));
}

KeyPtr NewKey() { return KeyPtr(EVP_EC_gen("P-256")); }

std::string KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

std::string CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

KeyPtr ParseKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

CertPtr ParseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return CertPtr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

absl::StatusOr<CertPtr> IssueCert(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                                  EVP_PKEY* issuer_key, bool is_ca,
                                  const std::vector<std::string>& hosts) {
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  uint64_t serial;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof(serial));
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  is_ca ? 10L * 365 * 86400 : static_cast<long>(absl::ToInt64Seconds(kLeafLifetime)));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("gantry"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok = AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") &&
         AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    std::string san;
    for (const std::string& h : hosts) {
      in6_addr probe;
      bool ip = inet_pton(AF_INET, h.c_str(), &probe) == 1 || inet_pton(AF_INET6, h.c_str(), &probe) == 1;
      absl::StrAppend(&san, san.empty() ? "" : ",", ip ? "IP:" : "DNS:", h);
    }
    ok = AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth") &&
         AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always") &&
         (san.empty() || AddExtension(cert.get(), signer, NID_subject_alt_name, san));
  }
  if (!ok) return OpenSslError("adding certificate extensions");
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    return OpenSslError("signing certificate");
  }
  return cert;
}

bool CoversHosts(X509* cert, const std::vector<std::string>& hosts) {
  for (const std::string& h : hosts) {
    in6_addr probe;
    bool ip = inet_pton(AF_INET, h.c_str(), &probe) == 1 || inet_pton(AF_INET6, h.c_str(), &probe) == 1;
    int match = ip ? X509_check_ip_asc(cert, h.c_str(), 0) : X509_check_host(cert, h.c_str(), h.size(), 0, nullptr);
    if (match != 1) return false;
  }
  return true;
}

absl::Time NotAfter(X509* cert) {
  tm end{};
  ASN1_TIME_to_tm(X509_get0_notAfter(cert), &end);
  return absl::FromTM(end, absl::UTCTimeZone());
}

// The DNS names and IP addresses a certificate's subjectAltName lists.
std::vector<std::string> CoveredHosts(X509* cert) {
  std::vector<std::string> hosts;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return hosts;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      hosts.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                         ASN1_STRING_length(name->d.dNSName));
    } else if (name->type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = {};
      int length = ASN1_STRING_length(name->d.iPAddress);
      inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(name->d.iPAddress), text, sizeof(text));
      hosts.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(names);
  return hosts;
}

struct Authority {
  CertPtr cert;
  KeyPtr key;
};

absl::StatusOr<Authority> LoadAuthority(const std::string& dir) {
  auto cert_pem = ReadFile(dir + "/ca.crt");
  auto key_pem = ReadFile(dir + "/ca.key");
  if (!cert_pem.ok() || !key_pem.ok()) return absl::NotFoundError(absl::StrCat("no CA in ", dir));
  Authority ca{ParseCert(*cert_pem), ParseKey(*key_pem)};
  if (!ca.cert || !ca.key) return absl::DataLossError(absl::StrCat("unreadable CA in ", dir));
  return ca;
}

absl::Status IssueServerCertificate(const std::string& dir, const Authority& ca, const std::vector<std::string>& hosts) {
  KeyPtr key = NewKey();
  if (!key) return OpenSslError("generating server key");
  auto cert = IssueCert(key.get(), "gantry-server", ca.cert.get(), ca.key.get(), false, hosts);
  if (!cert.ok()) return cert.status();
  if (auto s = WriteFileAtomic(dir + "/server.key", KeyPem(key.get()), 0600); !s.ok()) return s;
  return WriteFileAtomic(dir + "/server.crt", CertPem(cert->get()), 0644);
}

}  // namespace

absl::StatusOr<CertificateInfo> InspectCertificate(const std::string& path) {
  auto pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  CertPtr cert = ParseCert(*pem);
  if (!cert) return absl::DataLossError(absl::StrCat(path, " is not a PEM certificate"));
  CertificateInfo info;
  info.path = path;
  char common_name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, common_name, sizeof(common_name));
  info.common_name = common_name;
  tm start{};
  ASN1_TIME_to_tm(X509_get0_notBefore(cert.get()), &start);
  info.not_before = absl::FromTM(start, absl::UTCTimeZone());
  info.not_after = NotAfter(cert.get());
  return info;
}

absl::Status RotateServerCertificate(const std::string& dir, const std::vector<std::string>& hosts) {
  auto ca = LoadAuthority(dir);
  if (!ca.ok()) return ca.status();
  std::vector<std::string> all = hosts;
  if (auto pem = ReadFile(dir + "/server.crt"); pem.ok()) {
    if (CertPtr current = ParseCert(*pem)) {
      for (std::string& host : CoveredHosts(current.get())) {
        if (std::find(all.begin(), all.end(), host) == all.end()) all.push_back(std::move(host));
      }
    }
  }
  return IssueServerCertificate(dir, *ca, all);
}

X509_STORE* CertStoreFromPem(const std::string& pem) {
  X509_STORE* store = X509_STORE_new();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
  }
  BIO_free(bio);
  return store;
}

absl::StatusOr<std::string> RandomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return OpenSslError("random bytes");
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
}

std::vector<std::string> LocalHostNames() {
  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) == 0 && name[0] != '\0') hosts.emplace_back(name);
  ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) == 0) {
    for (ifaddrs* a = addrs; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof(buf));
      if (std::find(hosts.begin(), hosts.end(), buf) == hosts.end()) hosts.emplace_back(buf);
    }
    freeifaddrs(addrs);
  }
  return hosts;
}

absl::StatusOr<ServerTls> EnsureServerTls(const std::string& dir, const std::vector<std::string>& hosts) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  chmod(dir.c_str(), 0700);
  ServerTls out{dir + "/ca.crt", dir + "/server.crt", dir + "/server.key", ""};
  std::string ca_key_path = dir + "/ca.key";

  auto ca = LoadAuthority(dir);
  if (ca.status().code() == absl::StatusCode::kNotFound) {
    Authority created{nullptr, NewKey()};
    if (!created.key) return OpenSslError("generating CA key");
    auto cert = IssueCert(created.key.get(), "gantry-ca", nullptr, nullptr, true, {});
    if (!cert.ok()) return cert.status();
    created.cert = std::move(*cert);
    if (auto s = WriteFileAtomic(ca_key_path, KeyPem(created.key.get()), 0600); !s.ok()) return s;
    if (auto s = WriteFileAtomic(out.ca_cert_path, CertPem(created.cert.get()), 0644); !s.ok()) return s;
    ca = std::move(created);
  }
  if (!ca.ok()) return ca.status();
  out.ca_pem = CertPem(ca->cert.get());

  auto server_pem = ReadFile(out.cert_path);
  auto server_key_pem = ReadFile(out.key_path);
  if (server_pem.ok() && server_key_pem.ok()) {
    CertPtr existing = ParseCert(*server_pem);
    if (!existing || !ParseKey(*server_key_pem)) {
      spdlog::warn("tls: {} or its key is unreadable; issuing a new one from the same CA", out.cert_path);
    } else if (!CoversHosts(existing.get(), hosts)) {
      spdlog::info("tls: {} does not name every address of this machine; reissuing it", out.cert_path);
    } else if (absl::Time end = NotAfter(existing.get()); end - absl::Now() <= kRenewWithin) {
      spdlog::warn("tls: {} expires {}; renewing it from the same CA", out.cert_path,
                   absl::FormatTime("%Y-%m-%d", end, absl::UTCTimeZone()));
    } else {
      return out;
    }
  }
  if (auto s = IssueServerCertificate(dir, *ca, hosts); !s.ok()) return s;
  return out;
}

}  // namespace gantry::tls
