#include "server/certificate_command.h"

#include <absl/strings/str_format.h>

#include <cstdio>

#include "common/tls.h"
#include "server/server_config_file.h"

namespace gantry::server {
namespace {

int Check(const CertificateCommandOptions& options) {
  std::printf("%-40s %-15s %-22s %s\n", "CERTIFICATE", "NAME", "EXPIRES", "RESIDUAL");
  bool soon = false;
  for (const char* file : {"ca.crt", "server.crt"}) {
    std::string path = options.data_dir + "/tls/" + file;
    auto info = tls::InspectCertificate(path);
    if (!info.ok()) {
      std::fprintf(stderr, "error: %s: %s\n", path.c_str(), std::string(info.status().message()).c_str());
      return 1;
    }
    absl::Duration left = info->not_after - absl::Now();
    std::string residual = left <= absl::ZeroDuration() ? "EXPIRED"
                                                         : absl::StrFormat("%dd", absl::ToInt64Hours(left) / 24);
    std::printf("%-40s %-15s %-22s %s\n", path.c_str(), info->common_name.c_str(),
                absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", info->not_after, absl::UTCTimeZone()).c_str(),
                residual.c_str());
    soon = soon || left <= tls::kRenewWithin;
  }
  if (soon) {
    std::printf("a certificate expires within %lld days: gantry certificate rotate renews the server's (the next "
                "server start does too)\n",
                static_cast<long long>(absl::ToInt64Hours(tls::kRenewWithin) / 24));
  }
  return 0;
}

int Rotate(const CertificateCommandOptions& options) {
  std::string dir = options.data_dir + "/tls";
  if (absl::Status s = tls::RotateServerCertificate(dir, tls::LocalHostNames()); !s.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  auto info = tls::InspectCertificate(dir + "/server.crt");
  std::printf("renewed %s/server.crt from the same CA, valid until %s; restart the server to serve it "
              "(systemctl restart gantry-server); agents and kubeconfigs keep working\n",
              dir.c_str(),
              info.ok() ? absl::FormatTime("%Y-%m-%d", info->not_after, absl::UTCTimeZone()).c_str() : "?");
  return 0;
}

}  // namespace

void AddCertificateCommands(CLI::App& certificate, CertificateCommandOptions& options) {
  certificate.require_subcommand(1);
  for (CLI::App* command :
       {certificate.add_subcommand("check", "List the CA's and the server certificate's expiry dates"),
        certificate.add_subcommand("rotate", "Renew the server certificate from the same CA (agents keep their "
                                             "pinned CA); the server serves it after a restart")}) {
    command->add_option("--data-dir", options.data_dir, "The server's data dir (certificates in <data-dir>/tls)")
        ->capture_default_str();
    AddServerConfigOption(*command, options.config_path);
  }
}

int RunCertificateCommand(const CLI::App& certificate, const CertificateCommandOptions& options) {
  if (certificate.got_subcommand("check")) return Check(options);
  if (certificate.got_subcommand("rotate")) return Rotate(options);
  return 2;
}

}  // namespace gantry::server
