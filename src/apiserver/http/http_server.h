// The event-driven HTTPS server under the API (Boost.Beast over Asio): a few
// I/O threads own every connection; only handlers run on worker threads.
// An idle connection or an open watch holds no thread, only its socket and
// TLS state.
#pragma once

#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <functional>
#include <memory>
#include <string>

#include "apiserver/http/http_request.h"
#include "apiserver/http/http_response.h"

namespace gantry::apiserver::http {

class HttpServer {
 public:
  struct Options {
    std::string bind_address = "0.0.0.0";
    int port = 6443;  // 0: the kernel chooses
    std::string cert_path;
    std::string key_path;
    int io_threads = 2;
    int handler_threads = 64;  // handlers may block on the store's commits
    // Kubernetes' limit on a request body, however it is framed.
    size_t max_body_bytes = 3 << 20;
    size_t max_header_bytes = 1 << 20;
    // A connection that has not sent an authenticated request (TLS handshake
    // included) is closed when a request takes longer than this.
    absl::Duration anonymous_timeout = absl::Seconds(10);
    // An authenticated keep-alive connection may idle this long.
    absl::Duration idle_timeout = absl::Minutes(5);
    // A client that takes longer to send a body or to read a response.
    absl::Duration transfer_timeout = absl::Minutes(1);
    // How long Stop waits for open connections before it drops them.
    absl::Duration stop_grace = absl::Milliseconds(1500);
  };
  // Runs on a handler thread; may block. Exceptions become a 500.
  using Handler = std::function<HttpResponse(HttpRequest&)>;

  HttpServer(Options options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (never sharing the port with another process) and starts serving;
  // returns the bound port.
  absl::StatusOr<int> Start();
  // Stops accepting, closes idle connections, ends streams, lets in-flight
  // handlers finish, and returns within about stop_grace unless a handler
  // itself takes longer.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::apiserver::http
