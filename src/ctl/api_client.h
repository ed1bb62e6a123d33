// An HTTPS client for the Kubernetes-shaped API, configured from a kubeconfig
// (or --server/--token). Non-2xx answers become errors carrying the server's
// Status message.
#pragma once

#include <absl/status/statusor.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/kinds.h"
#include "common/kubeconfig.h"

namespace httplib {
class Client;
}

namespace gantry::ctl {

struct ConnectionOptions {
  std::string kubeconfig;  // empty: $KUBECONFIG, then /etc/gantry/kubeconfig.yaml
  std::string server;      // overrides the kubeconfig's
  std::string token;       // overrides the kubeconfig's
  bool insecure_skip_tls_verify = false;
};

// --kubeconfig, else $KUBECONFIG, else /etc/gantry/kubeconfig.yaml.
std::string KubeconfigPath(const ConnectionOptions& options);

// The server, CA and token the options lead to (flags over the kubeconfig).
absl::StatusOr<Kubeconfig> ResolveConnection(const ConnectionOptions& options);

struct HttpResult {
  int status = 0;
  std::string body;
};

class ApiClient {
 public:
  static absl::StatusOr<std::unique_ptr<ApiClient>> Connect(const ConnectionOptions& options);
  ~ApiClient();

  // JSON request; a non-2xx answer is an error whose message is what kubectl
  // would print ("Error from server (NotFound): pods \"x\" not found").
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const std::string& path,
                                      const nlohmann::json* body = nullptr,
                                      const std::string& content_type = "application/json",
                                      const std::string& accept = "application/json");
  // Streams a watch: `on_line` gets each newline-terminated JSON event and
  // returns false to stop.
  absl::Status Stream(const std::string& path, const std::string& accept,
                      const std::function<bool(const std::string&)>& on_line);
  // The body as it arrives, chunk by chunk (logs); `on_data` returns false to stop.
  absl::Status StreamRaw(const std::string& path, const std::string& accept,
                         const std::function<bool(absl::string_view)>& on_data);

  const std::string& server() const { return server_; }
  // The kubeconfig's current context's namespace; empty when it names none.
  const std::string& context_namespace() const { return context_namespace_; }

 private:
  ApiClient(std::string server, std::string context_namespace, std::unique_ptr<httplib::Client> client);

  std::string server_;
  std::string context_namespace_;
  std::unique_ptr<httplib::Client> client_;
};

// /api/v1/namespaces/NS/pods/NAME/SUB and the like.
std::string ResourceUrl(const api::KindInfo& kind, const std::string& namespace_,
                        const std::string& name = "", const std::string& subresource = "");

// Percent-encodes a query parameter value.
std::string QueryEscape(const std::string& value);

// The Accept header asking for server-side Tables.
inline constexpr char kTableAccept[] =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

}  // namespace gantry::ctl
