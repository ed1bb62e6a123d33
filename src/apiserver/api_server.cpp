#include "common/join_token.h"
#include "apiserver/resource_metrics.h"
#include "apiserver/api_server.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "api/errors.h"
#include "apiserver/access_reviews.h"
#include "apiserver/openapi.h"
#include "apiserver/discovery.h"
#include "apiserver/request_body.h"
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

std::string Verb(const http::HttpRequest& req, const ResourcePath* path) {
  if (req.method == "GET") {
    if (path == nullptr || !path->name.empty()) return "get";
    return req.BoolParam("watch") ? "watch" : "list";
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
      handlers_(std::make_unique<ResourceHandlers>(store, stopping_, options_.logs, options_.events)) {}

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

http::HttpResponse ApiServer::Route(http::HttpRequest& req) {
  auto start = std::chrono::steady_clock::now();
  http::HttpResponse res;
  std::string verb = Verb(req, nullptr);
  std::string resource;
  res.authenticated = Authenticated(req.Header("authorization"));
  if (!res.authenticated && !IsPublicPath(req.path)) {
    WriteJson(res, 401, StatusObject(api::UnauthorizedError()));
  } else {
    try {
      Serve(req, res, &verb, &resource);
    } catch (const std::exception& e) {
      // A bug: every decoder reports bad input as a Status.
      spdlog::error("apiserver: 500 on {} {}: {}", req.method, req.path, e.what());
      res = http::HttpResponse{};
      res.authenticated = true;
      WriteJson(res, 500, StatusObject(absl::InternalError("internal error")));
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Metrics().requests.WithLabels({verb, resource, std::to_string(res.status)}).Inc();
  Metrics().latency.WithLabels({verb, resource}).Observe(seconds);
  spdlog::debug("{} {} -> {} ({:.3f} ms)", req.method, req.target, res.status, seconds * 1e3);
  return res;
}

void ApiServer::Serve(const http::HttpRequest& req, http::HttpResponse& res, std::string* verb,
                      std::string* resource) {
  const std::string& p = req.path;
  if (req.method == "GET" && (p == "/healthz" || p == "/readyz" || p == "/livez")) {
    res.content_type = "text/plain";
    res.body = stopping_ ? "shutting down" : "ok";
    res.status = stopping_ ? 503 : 200;
  } else if (req.method == "GET" && p == "/cacerts") {
    res.content_type = "text/plain";
    res.body = options_.ca_pem;
  } else if (req.method == "GET" && p == "/agent/v1/endpoint") {
    WriteJson(res, 200, nlohmann::json{{"grpcPort", options_.agent_port}});
  } else if (req.method == "GET" && (p == "/version" || p == "/version/")) {
    WriteJson(res, 200, VersionInfo());
  } else if (req.method == "GET" && p == "/metrics") {
    res.content_type = "text/plain; version=0.0.4";
    res.body = metrics::DefaultRegistry().Render();
  } else if (req.method == "GET" && p == "/api") {
    WriteJson(res, 200, ApiVersions());
  } else if (req.method == "GET" && p == "/apis") {
    WriteJson(res, 200, ApiGroupList());
  } else if (req.method == "GET" && p == "/openapi/v2") {
    if (absl::StrContains(req.Header("accept"), "json")) {
      res.body = OpenApiDocuments::Get().V2Document();
    } else {
      // kubectl asks for v2 only in gnostic's protobuf, which gantry does not
      // write; an empty document parses as one without schemas, and kubectl
      // learns from v3 that the server validates fields itself.
      res.content_type = "application/octet-stream";
    }
  } else if (req.method == "GET" && (p == "/openapi/v3" || p == "/openapi/v3/")) {
    res.body = OpenApiDocuments::Get().V3Index();
  } else if (req.method == "GET" && absl::StartsWith(p, "/openapi/v3/")) {
    if (const std::string* document = OpenApiDocuments::Get().V3Document(absl::StripPrefix(p, "/openapi/v3/"))) {
      res.body = *document;
      // The index's URLs carry the content's hash, so a client may keep it.
      if (req.HasParam("hash")) res.SetHeader("Cache-Control", "public, immutable");
    } else {
      WriteJson(res, 404, StatusObject(api::NotFoundError("OpenAPI document", p)));
    }
  } else if (req.method == "GET" && absl::StartsWith(p, kResourceMetricsPrefix) && options_.agents != nullptr) {
    if (auto metrics = ResourceMetrics(*options_.agents, p)) {
      WriteJson(res, 200, *metrics);
    } else {
      WriteJson(res, 404, StatusObject(api::NotFoundError("path", p)));
    }
  } else if (req.method == "POST" && IsAccessReviewPath(p)) {
    auto body = ParseBody(req);
    auto answer = body.ok() ? AnswerAccessReview(p, *body) : body.status();
    if (answer.ok()) {
      WriteJson(res, 201, *answer);
    } else {
      WriteError(res, answer.status());
    }
  } else if (auto path = ParseResourcePath(p); path.ok()) {
    *verb = Verb(req, &*path);
    *resource = path->subresource.empty() ? std::string(path->kind->resource)
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
}

absl::StatusOr<int> ApiServer::Start() {
  server_ = std::make_unique<http::HttpServer>(options_.http, [this](http::HttpRequest& req) { return Route(req); });
  return server_->Start();
}

void ApiServer::Stop() {
  if (stopping_.exchange(true) || !server_) return;
  server_->Stop();
}

}  // namespace gantry::apiserver
