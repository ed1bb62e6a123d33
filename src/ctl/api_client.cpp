#include "ctl/api_client.h"

#include <absl/strings/str_cat.h>
#include <httplib.h>
#include <openssl/pem.h>

#include <cctype>
#include <cstdlib>

#include "common/kubeconfig.h"
#include "common/tls.h"

namespace gantry::ctl {
namespace {

absl::Status ServerError(int code, const std::string& body) {
  nlohmann::json status = nlohmann::json::parse(body, nullptr, false);
  std::string message = body;
  std::string reason;
  if (status.is_object() && status.value("kind", "") == "Status") {
    message = status.value("message", body);
    reason = status.value("reason", "");
  }
  std::string text = code == 422 ? absl::StrCat("The ", message)
                                 : absl::StrCat("Error from server", reason.empty() ? "" : absl::StrCat(" (", reason, ")"),
                                                ": ", message);
  if (code == 401) text = "error: You must be logged in to the server (Unauthorized)";
  switch (code) {
    case 404: return absl::NotFoundError(text);
    case 409: return absl::AlreadyExistsError(text);
    case 401: return absl::UnauthenticatedError(text);
    default: return absl::FailedPreconditionError(text);
  }
}

// What failed, in the words kubectl users know, not the library's enum names.
std::string TransportFailure(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "connection refused (is the server running, on this address and port?)";
    case httplib::Error::ConnectionTimeout: return "i/o timeout while connecting";
    case httplib::Error::SSLServerVerification:
      return "x509: the server's certificate did not verify: signed by an unknown authority, or not valid for "
             "this host name (the kubeconfig's certificate-authority-data must be the server's CA)";
    case httplib::Error::SSLConnection: return "the TLS handshake failed (is it an HTTPS server?)";
    case httplib::Error::SSLLoadingCerts: return "the kubeconfig's certificate authority could not be loaded";
    case httplib::Error::Read: return "the connection closed before the answer was read";
    case httplib::Error::Write: return "the request could not be sent";
    default: return httplib::to_string(error);
  }
}

absl::Status TransportError(const std::string& server, httplib::Error error) {
  return absl::UnavailableError(absl::StrCat("error: cannot reach the server at ", server, ": ",
                                             TransportFailure(error)));
}

void PrintWarnings(const httplib::Result& result) {
  if (result && result->has_header("Warning")) {
    fprintf(stderr, "Warning: %s\n", result->get_header_value("Warning").c_str());
  }
}

}  // namespace

std::string KubeconfigPath(const ConnectionOptions& options) {
  if (!options.kubeconfig.empty()) return options.kubeconfig;
  const char* env = std::getenv("KUBECONFIG");
  return env != nullptr && *env != '\0' ? env : "/etc/gantry/kubeconfig.yaml";
}

absl::StatusOr<Kubeconfig> ResolveConnection(const ConnectionOptions& options) {
  Kubeconfig config;
  const std::string path = KubeconfigPath(options);
  bool need_file = options.server.empty() || options.token.empty();
  if (need_file) {
    auto read = ReadKubeconfig(path);
    if (!read.ok()) {
      if (!options.server.empty()) {
        config.server = options.server;
      } else {
        return absl::FailedPreconditionError(absl::StrCat(
            "error: no usable kubeconfig (", read.status().message(),
            "); pass --kubeconfig, set $KUBECONFIG, or give --server and --token"));
      }
    } else {
      config = *read;
    }
  }
  if (!options.server.empty()) config.server = options.server;
  if (!options.token.empty()) config.token = options.token;
  if (options.insecure_skip_tls_verify) config.insecure_skip_tls_verify = true;
  return config;
}

absl::StatusOr<std::unique_ptr<ApiClient>> ApiClient::Connect(const ConnectionOptions& options) {
  auto resolved = ResolveConnection(options);
  if (!resolved.ok()) return resolved.status();
  const Kubeconfig& config = *resolved;
  auto client = std::make_unique<httplib::Client>(config.server);
  if (!client->is_valid()) return absl::InvalidArgumentError(absl::StrCat("error: bad server URL ", config.server));
  if (!config.ca_pem.empty()) client->set_ca_cert_store(tls::CertStoreFromPem(config.ca_pem));
  client->enable_server_certificate_verification(!config.insecure_skip_tls_verify);
  if (!config.token.empty()) client->set_bearer_token_auth(config.token);
  client->set_connection_timeout(10);
  client->set_read_timeout(120);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  return std::unique_ptr<ApiClient>(new ApiClient(config.server, config.namespace_, std::move(client)));
}

ApiClient::ApiClient(std::string server, std::string context_namespace, std::unique_ptr<httplib::Client> client)
    : server_(std::move(server)), context_namespace_(std::move(context_namespace)), client_(std::move(client)) {}

ApiClient::~ApiClient() = default;

absl::StatusOr<nlohmann::json> ApiClient::Call(const std::string& method, const std::string& path,
                                               const nlohmann::json* body, const std::string& content_type,
                                               const std::string& accept) {
  httplib::Headers headers = {{"Accept", accept}};
  std::string payload = body != nullptr ? body->dump() : std::string();
  auto send = [&]() -> httplib::Result {
    if (method == "POST") return client_->Post(path, headers, payload, content_type);
    if (method == "PUT") return client_->Put(path, headers, payload, content_type);
    if (method == "PATCH") return client_->Patch(path, headers, payload, content_type);
    if (method == "DELETE") return client_->Delete(path, headers, payload, content_type);
    return client_->Get(path, headers);
  };
  if (method != "GET" && method != "POST" && method != "PUT" && method != "PATCH" && method != "DELETE") {
    return absl::InvalidArgumentError(absl::StrCat("unsupported method ", method));
  }
  httplib::Result result = send();
  if (!result) return TransportError(server_, result.error());
  PrintWarnings(result);
  if (result->status < 200 || result->status >= 300) return ServerError(result->status, result->body);
  nlohmann::json out = nlohmann::json::parse(result->body, nullptr, false);
  if (out.is_discarded()) return absl::DataLossError(absl::StrCat("error: the server sent malformed JSON for ", path));
  return out;
}

absl::Status ApiClient::Stream(const std::string& path, const std::string& accept,
                               const std::function<bool(const std::string&)>& on_line) {
  std::string pending;
  return StreamRaw(path, accept, [&](absl::string_view data) {
    pending.append(data.data(), data.size());
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      if (!line.empty() && !on_line(line)) return false;
    }
    return true;
  });
}

absl::Status ApiClient::StreamRaw(const std::string& path, const std::string& accept,
                                  const std::function<bool(absl::string_view)>& on_data) {
  client_->set_read_timeout(3600);
  int status = 0;
  std::string error_body;
  auto result = client_->Get(
      path, httplib::Headers{{"Accept", accept}},
      [&](const httplib::Response& response) {
        status = response.status;
        return true;
      },
      [&](const char* data, size_t length) {
        if (status < 200 || status >= 300) {
          error_body.append(data, length);
          return true;
        }
        return on_data(absl::string_view(data, length));
      });
  if (status != 0 && (status < 200 || status >= 300)) return ServerError(status, error_body);
  if (!result && result.error() != httplib::Error::Canceled) return TransportError(server_, result.error());
  return absl::OkStatus();
}

std::string QueryEscape(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string ResourceUrl(const api::KindInfo& kind, const std::string& namespace_, const std::string& name,
                        const std::string& subresource) {
  std::string url = kind.group.empty() ? "/api/v1" : absl::StrCat("/apis/", kind.group, "/", kind.version);
  if (kind.namespaced && !namespace_.empty()) absl::StrAppend(&url, "/namespaces/", namespace_);
  absl::StrAppend(&url, "/", kind.resource);
  if (!name.empty()) absl::StrAppend(&url, "/", name);
  if (!subresource.empty()) absl::StrAppend(&url, "/", subresource);
  return url;
}

}  // namespace gantry::ctl
