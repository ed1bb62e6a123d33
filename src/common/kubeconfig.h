// kubeconfig files: the server writes one for its admin on every start; ctl
// reads one (--kubeconfig, $KUBECONFIG, /etc/gantry/kubeconfig.yaml).
#pragma once

#include <absl/status/statusor.h>

#include <string>

namespace gantry {

struct Kubeconfig {
  std::string server;   // https://127.0.0.1:6443
  std::string ca_pem;   // empty: system trust store
  std::string token;
  bool insecure_skip_tls_verify = false;
  std::string namespace_;  // the current context's; empty when it names none
};

absl::Status WriteKubeconfig(const std::string& path, const Kubeconfig& config);
// The current context's cluster and user.
absl::StatusOr<Kubeconfig> ReadKubeconfig(const std::string& path);

}  // namespace gantry
