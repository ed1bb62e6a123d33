#include "common/join_token.h"
#include "apiserver/resource_metrics.h"
#include "apiserver/api_server.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "api/errors.h"
#include "apiserver/discovery.h"
#include "apiserver/request_path.h"
#include "apiserver/resource_handlers.h"
#include "apiserver/status_response.h"
#include "common/log_format.h"
#include "common/metrics.h"

namespace gantry::apiserver {
namespace {

struct RequestMetrics {
  metrics::Family<metrics::Counter>& requests;
  metrics::Family<metrics::Histogram>& latency;
};

RequestMetrics& Metrics() {
  static RequestMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    return new RequestMetrics{
        r.AddCounter("gantry_apiserver_requests_total", "API requests by verb, resource and HTTP code.",
                     {"verb", "resource", "code"}),
        r.AddHistogram("gantry_apiserver_request_duration_seconds",
                       "API request latency (for watches: until the stream starts).",
                       metrics::LatencyBuckets(), {"verb", "resource"}),
    };
  }();
  return *m;
}

std::string Verb(const httplib::Request& req, const ResourcePath* path) {
  if (req.method == "GET") {
    if (path == nullptr || !path->name.empty()) return "get";
    return req.has_param("watch") && req.get_param_value("watch") == "true" ? "watch" : "list";
  }
  if (req.method == "POST") return "create";
  if (req.method == "PUT") return "update";
  if (req.method == "PATCH") return "patch";
  if (req.method == "DELETE") return "delete";
  return req.method;
}

bool IsPublicPath(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/livez" || path == "/version" || path == "/cacerts" ||
         path == "/agent/v1/endpoint";
}

}  // namespace

ApiServer::ApiServer(Options options, store::Store& store)
    : options_(std::move(options)),
      store_(store),
      handlers_(std::make_unique<ResourceHandlers>(store, stopping_, options_.logs)) {}

ApiServer::~ApiServer() { Stop(); }

bool ApiServer::Authenticated(const std::string& authorization) const {
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(authorization, kBearer)) return false;
  absl::string_view token = absl::string_view(authorization).substr(kBearer.size());
  for (const std::string& t : options_.tokens) {
    if (SecretsEqual(t, token)) return true;
  }
  return false;
}

absl::StatusOr<int> ApiServer::Start() {
  server_ = std::make_unique<httplib::SSLServer>(options_.cert_path.c_str(), options_.key_path.c_str());
  if (!server_->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot load TLS certificate ", options_.cert_path,
                                                   " / key ", options_.key_path));
  }
  int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Small request/response exchanges: without this Nagle and delayed ACKs
  // add ~40 ms to every request on a kept-alive connection.
  server_->set_tcp_nodelay(true);
  // httplib's default adds SO_REUSEPORT, which would let a second server
  // share this port and split the clients between two stores.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->set_keep_alive_max_count(1000);
  server_->set_keep_alive_timeout(30);
  server_->set_payload_max_length(8 << 20);

  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (IsPublicPath(req.path) || Authenticated(req.get_header_value("Authorization"))) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    WriteJson(res, 401, StatusObject(api::UnauthorizedError()));
    Metrics().requests.WithLabels({Verb(req, nullptr), "", "401"}).Inc();
    return httplib::Server::HandlerResponse::Handled;
  });

  auto route = [this](const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    const std::string& p = req.path;
    std::string resource;
    std::string verb = Verb(req, nullptr);
    if (req.method == "GET" && (p == "/healthz" || p == "/readyz" || p == "/livez")) {
      res.set_content(stopping_ ? "shutting down" : "ok", "text/plain");
      res.status = stopping_ ? 503 : 200;
    } else if (req.method == "GET" && p == "/cacerts") {
      res.set_content(options_.ca_pem, "text/plain");
    } else if (req.method == "GET" && p == "/agent/v1/endpoint") {
      WriteJson(res, 200, nlohmann::json{{"grpcPort", options_.agent_port}});
    } else if (req.method == "GET" && p == "/version") {
      WriteJson(res, 200, VersionInfo());
    } else if (req.method == "GET" && p == "/metrics") {
      res.set_content(metrics::DefaultRegistry().Render(), "text/plain; version=0.0.4");
    } else if (req.method == "GET" && p == "/api") {
      WriteJson(res, 200, ApiVersions());
    } else if (req.method == "GET" && p == "/apis") {
      WriteJson(res, 200, ApiGroupList());
    } else if (req.method == "GET" && (p == "/openapi/v2" || p == "/openapi/v3")) {
      // An empty OpenAPI document makes kubectl skip client-side validation;
      // the server validates every object itself.
      if (p == "/openapi/v3") {
        WriteJson(res, 404, StatusObject(api::NotFoundError("path", p)));
      } else {
        res.set_content("", "application/octet-stream");
      }
    } else if (req.method == "GET" && absl::StartsWith(p, kResourceMetricsPrefix) && options_.agents != nullptr) {
      if (auto metrics = ResourceMetrics(*options_.agents, p)) {
        WriteJson(res, 200, *metrics);
      } else {
        WriteJson(res, 404, StatusObject(api::NotFoundError("path", p)));
      }
    } else if (auto path = ParseResourcePath(p); path.ok()) {
      verb = Verb(req, &*path);
      resource = path->subresource.empty() ? std::string(path->kind->resource)
                                           : absl::StrCat(path->kind->resource, "/", path->subresource);
      handlers_->Handle(req, res, *path);
    } else {
      std::vector<absl::string_view> parts = absl::StrSplit(p, '/', absl::SkipEmpty());
      std::optional<nlohmann::json> list;
      if (req.method == "GET" && parts.size() == 2 && parts[0] == "api") list = ApiResourceList("", parts[1]);
      if (req.method == "GET" && parts.size() == 3 && parts[0] == "apis") list = ApiResourceList(parts[1], parts[2]);
      if (list) {
        WriteJson(res, 200, *list);
      } else {
        WriteJson(res, 404, StatusObject(api::NotFoundError("path", p)));
      }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Metrics().requests.WithLabels({verb, resource, std::to_string(res.status)}).Inc();
    Metrics().latency.WithLabels({verb, resource}).Observe(seconds);
    spdlog::debug("{} {} -> {} ({:.3f} ms)", req.method, req.target, res.status, seconds * 1e3);
  };
  server_->Get(".*", route);
  server_->Post(".*", route);
  server_->Put(".*", route);
  server_->Patch(".*", route);
  server_->Delete(".*", route);

  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.bind_address);
  } else if (!server_->bind_to_port(options_.bind_address, port)) {
    port = -1;
  }
  if (port < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.bind_address, ":", options_.port));
  }
  serve_thread_ = std::jthread([this] { server_->listen_after_bind(); });
  return port;
}

void ApiServer::Stop() {
  if (stopping_.exchange(true) || !server_) return;
  server_->stop();
  if (serve_thread_.joinable()) serve_thread_.join();
}

}  // namespace gantry::apiserver
