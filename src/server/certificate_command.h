// `gantry certificate check|rotate`: the expiry dates of the server's CA and
// certificate, and renewing the certificate from the same CA, so agents keep
// the CA they pinned at join.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace gantry::server {

struct CertificateCommandOptions {
  std::string data_dir = "/var/lib/gantry";
  std::string config_path;  // the server's config file (default: kServerConfigPath when readable)
};

void AddCertificateCommands(CLI::App& certificate, CertificateCommandOptions& options);
// Runs the parsed subcommand; returns the exit code.
int RunCertificateCommand(const CLI::App& certificate, const CertificateCommandOptions& options);

}  // namespace gantry::server
