// The HTTPS API server: bearer-token authentication, routing to discovery,
// health, metrics and resource handlers, request metrics, graceful stop.
#pragma once

#include <absl/status/statusor.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "apiserver/http/http_server.h"
#include "store/event_recorder.h"
#include "store/store.h"

namespace gantry::apiserver {

class ResourceHandlers;
class LogRelay;
class AgentService;

class ApiServer {
 public:
  struct Options {
    http::HttpServer::Options http;   // address, port, TLS files, threads, limits
    std::vector<std::string> tokens;  // accepted bearer tokens
    // Served without authentication to joining agents: the CA (which they
    // check against their token's hash) and the gRPC port.
    std::string ca_pem;
    int agent_port = 0;
    LogRelay* logs = nullptr;              // pods/log, from the agents
    const AgentService* agents = nullptr;  // resource metrics, from their heartbeats
    store::EventRecorder* events = nullptr;  // Killing, when a pod's deletion starts
  };

  ApiServer(Options options, store::Store& store);
  ~ApiServer();

  // Binds and starts serving on a thread of its own; returns the bound port.
  absl::StatusOr<int> Start();
  // Stops accepting, ends watch streams, waits for in-flight requests.
  void Stop();

 private:
  bool Authenticated(const std::string& authorization) const;
  http::HttpResponse Route(http::HttpRequest& req);
  void Serve(const http::HttpRequest& req, http::HttpResponse& res, std::string* verb, std::string* resource);

  const Options options_;
  store::Store& store_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<ResourceHandlers> handlers_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace gantry::apiserver
