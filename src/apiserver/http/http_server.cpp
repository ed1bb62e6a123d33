#include "apiserver/http/http_server.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/synchronization/mutex.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/metrics.h"

namespace gantry::apiserver::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using asio::use_awaitable;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct HttpMetrics {
  metrics::Gauge& connections;
  metrics::Gauge& streams;
  metrics::Gauge& handler_queue;
  metrics::Family<metrics::Counter>& closed;
};

HttpMetrics& Metrics() {
  static HttpMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    return new HttpMetrics{
        r.AddGauge("gantry_http_open_connections", "Open HTTPS connections.").WithLabels({}),
        r.AddGauge("gantry_http_open_streams", "Responses being streamed (watches, logs, large lists).")
            .WithLabels({}),
        r.AddGauge("gantry_http_handler_queue_depth", "Requests read and waiting for a handler thread.")
            .WithLabels({}),
        r.AddCounter("gantry_http_connections_closed_total",
                     "Connections closed by the server other than after a normal exchange, by reason.", {"reason"}),
    };
  }();
  return *m;
}

std::chrono::steady_clock::duration ToChrono(absl::Duration d) { return absl::ToChronoNanoseconds(d); }

std::string PlainStatus(int code, absl::string_view reason, absl::string_view message) {
  return absl::StrCat(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")", message,
                      R"(","reason":")", reason, R"(","code":)", code, "}");
}

// A connection's state that Stop may reach from another thread; touched only
// on the connection's I/O thread.
struct Connection {
  enum class Phase { kReading, kHandling, kStreaming };
  asio::any_io_executor executor;
  beast::tcp_stream* socket = nullptr;  // null once the connection is over
  asio::steady_timer* wake_timer = nullptr;
  Phase phase = Phase::kReading;
  bool wake_pending = false;
  bool peer_gone = false;           // the client closed during an endless stream
  bool watching_disconnect = false;  // a read is pending for that

  // Makes the connection notice a stop: an idle read ends, a stream's wait ends.
  void Interrupt() {
    if (socket == nullptr) return;
    if (phase == Phase::kReading) socket->cancel();
    if (wake_timer != nullptr) wake_timer->cancel();
  }
  void Wake() {
    wake_pending = true;
    if (wake_timer != nullptr) wake_timer->cancel();
  }
};

// Closes a stream when the connection's coroutine ends, however it ends
// (including destruction of its frame when Stop gives up waiting).
struct StreamCloser {
  std::shared_ptr<BodyStream> stream;
  ~StreamCloser() {
    if (stream) stream->Close();
  }
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Options options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        ios_(MakeIoContexts(options_.io_threads)),
        tls_(asio::ssl::context::tls_server),
        acceptor_(*ios_[0]),
        handlers_(static_cast<size_t>(std::max(1, options_.handler_threads))) {}

  ~Impl() { Stop(); }

  absl::StatusOr<int> Start() {
    beast::error_code ec;
    tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    tls_.use_certificate_chain_file(options_.cert_path, ec);
    if (!ec) tls_.use_private_key_file(options_.key_path, asio::ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat("cannot load TLS certificate ", options_.cert_path, " / key ",
                                                     options_.key_path, ": ", ec.message()));
    }
    // An idle TLS connection then keeps no read/write buffers (~34 KiB each).
    SSL_CTX_set_mode(tls_.native_handle(), SSL_MODE_RELEASE_BUFFERS);

    auto address = asio::ip::make_address(options_.bind_address, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("bad bind address ", options_.bind_address));
    tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    acceptor_.open(endpoint.protocol(), ec);
    // SO_REUSEADDR only (for TIME_WAIT after a restart); never SO_REUSEPORT,
    // which would let a second server share the port and split the clients.
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options_.bind_address, ":", options_.port, ": ", ec.message()));
    }
    int port = acceptor_.local_endpoint().port();
    asio::co_spawn(acceptor_.get_executor(), Accept(), asio::detached);
    for (auto& io : ios_) {
      // Idle contexts must keep running until Stop: connections arrive later.
      work_.push_back(asio::make_work_guard(*io));
      io_threads_.emplace_back([&io = *io] { io.run(); });
    }
    return port;
  }

  void Stop() {
    if (stopping_.exchange(true) || io_threads_.empty()) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [ptr, c] : connections_) asio::post(c->executor, [c = c] { c->Interrupt(); });
      auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return connections_.empty(); };
      mu_.AwaitWithTimeout(absl::Condition(&drained), options_.stop_grace);
      if (!connections_.empty()) {
        spdlog::warn("http: {} connections still open at stop; closing them", connections_.size());
      }
    }
    for (auto& io : ios_) io->stop();
    for (auto& t : io_threads_) t.join();
    io_threads_.clear();
    // In-flight handlers (their commits) finish; their connections are gone.
    handlers_.join();
  }

 private:
  asio::awaitable<void> Accept() {
    while (!stopping_) {
      // Connections are spread over the I/O threads, each with its own
      // io_context: one thread per context never contends for the
      // scheduler, and a connection needs no strand.
      asio::io_context& io = *ios_[next_io_++ % ios_.size()];
      auto [ec, socket] = co_await acceptor_.async_accept(io, kNoThrow);
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) break;
        // Out of file descriptors, most likely: let connections drain.
        spdlog::warn("http: accept failed: {}", ec.message());
        asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, Serve(std::move(socket)), asio::detached);
    }
  }

  std::shared_ptr<Connection> Register(const asio::any_io_executor& executor) {
    auto c = std::make_shared<Connection>();
    c->executor = executor;
    absl::MutexLock lock(&mu_);
    connections_.emplace(c.get(), c);
    Metrics().connections.Add(1);
    return c;
  }

  void Unregister(const std::shared_ptr<Connection>& c) {
    c->socket = nullptr;
    c->wake_timer = nullptr;
    absl::MutexLock lock(&mu_);
    connections_.erase(c.get());
    Metrics().connections.Add(-1);
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    auto executor = socket.get_executor();
    auto conn = Register(executor);
    // Shared: a streamed response's disconnect watcher may outlive this frame.
    auto stream = std::make_shared<TlsStream>(beast::tcp_stream(std::move(socket)), tls_);
    conn->socket = &beast::get_lowest_layer(*stream);
    co_await Exchange(stream, conn);
    // After an endless stream its disconnect watcher still reads: a TLS
    // shutdown would read concurrently with it, so the socket just closes.
    if (!conn->watching_disconnect) {
      conn->socket->expires_after(std::chrono::milliseconds(500));
      co_await stream->async_shutdown(kNoThrow);
    }
    beast::error_code ignored;
    conn->socket->socket().close(ignored);
    Unregister(conn);
  }

  asio::awaitable<void> Exchange(const std::shared_ptr<TlsStream>& owned, const std::shared_ptr<Connection>& shared) {
    TlsStream& stream = *owned;
    Connection& conn = *shared;
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.expires_after(ToChrono(options_.anonymous_timeout));
    if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow); ec) {
      Metrics().closed.WithLabels({ec == beast::error::timeout ? "timeout" : "tls"}).Inc();
      co_return;
    }
    beast::flat_buffer buffer;
    bool trusted = false;
    while (!stopping_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
      parser.body_limit(options_.max_body_bytes);
      conn.phase = Connection::Phase::kReading;
      tcp_layer.expires_after(ToChrono(trusted ? options_.idle_timeout : options_.anonymous_timeout));
      auto [header_ec, header_bytes] = co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
      if (header_ec) {
        if (header_ec == bhttp::error::body_limit) {  // a Content-Length over the limit
          co_await WriteTooLarge(stream);
        } else if (header_ec == bhttp::error::header_limit) {
          co_await WriteError(stream, 431, "RequestHeaderFieldsTooLarge", "request headers too large");
        } else if (header_ec == beast::error::timeout) {
          Metrics().closed.WithLabels({"timeout"}).Inc();
        } else if (header_ec != bhttp::error::end_of_stream && header_ec != asio::error::operation_aborted &&
                   header_ec != asio::ssl::error::stream_truncated && header_ec != asio::error::eof) {
          co_await WriteError(stream, 400, "BadRequest", "malformed HTTP request");
        }
        co_return;
      }
      if (stopping_) co_return;
      auto& head = parser.get();
      if (auto length = parser.content_length(); length && *length > options_.max_body_bytes) {
        co_await WriteTooLarge(stream);
        co_return;
      }
      if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, head.version()};
        if (auto [ec, n] = co_await bhttp::async_write(stream, go_on, kNoThrow); ec) co_return;
      }
      if (!parser.is_done()) {
        tcp_layer.expires_after(ToChrono(trusted ? options_.transfer_timeout : options_.anonymous_timeout));
        auto [body_ec, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
        if (body_ec == bhttp::error::body_limit) {
          co_await WriteTooLarge(stream);
          co_return;
        }
        if (body_ec) {
          if (body_ec == beast::error::timeout) Metrics().closed.WithLabels({"timeout"}).Inc();
          co_return;
        }
      }
      tcp_layer.expires_never();
      bool keep_alive = parser.keep_alive();
      unsigned version = head.version();
      HttpRequest request;
      if (!ToRequest(parser.release(), &request)) {
        co_await WriteError(stream, 400, "BadRequest", "malformed request target");
        co_return;
      }

      conn.phase = Connection::Phase::kHandling;
      Metrics().handler_queue.Add(1);
      HttpResponse response = co_await asio::co_spawn(
          handlers_.get_executor(),
          [this, &request]() -> asio::awaitable<HttpResponse> {
            Metrics().handler_queue.Add(-1);
            co_return Invoke(request);
          },
          use_awaitable);
      trusted = trusted || response.authenticated;
      keep_alive = keep_alive && !stopping_;
      tcp_layer.expires_after(ToChrono(options_.transfer_timeout));
      if (response.stream) {
        StreamCloser closer{response.stream};
        conn.phase = Connection::Phase::kStreaming;
        bool endless = response.stream->Endless();
        // An endless stream ends its connection: its disconnect watcher
        // holds the read side until the socket closes.
        bool finished = co_await Stream(owned, shared, version, response, keep_alive && !endless);
        if (endless || !finished) co_return;
      } else {
        bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
        out.set(bhttp::field::content_type, response.content_type);
        for (auto& [name, value] : response.headers) out.set(name, value);
        out.body() = std::move(response.body);
        out.keep_alive(keep_alive);
        out.prepare_payload();
        if (auto [ec, n] = co_await bhttp::async_write(stream, out, kNoThrow); ec) co_return;
      }
      if (!keep_alive) co_return;
    }
  }

  // Sends a streamed body in chunks as it becomes readable, until it ends,
  // the client goes away or the server stops. True when it ended and the
  // connection may carry another request.
  asio::awaitable<bool> Stream(const std::shared_ptr<TlsStream>& owned, const std::shared_ptr<Connection>& shared,
                               unsigned version, HttpResponse& response, bool keep_alive) {
    TlsStream& stream = *owned;
    Connection& conn = *shared;
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(response.status), version};
    head.set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) head.set(name, value);
    head.chunked(true);
    head.keep_alive(keep_alive);
    bhttp::response_serializer<bhttp::empty_body> serializer{head};
    if (auto [ec, n] = co_await bhttp::async_write_header(stream, serializer, kNoThrow); ec) co_return false;
    // A client sends nothing during an endless stream; a read completing
    // means it left (or broke protocol). Without this a watch that never
    // gets an event would keep a dead client's socket until its timeout.
    conn.watching_disconnect = response.stream->Endless();
    if (conn.watching_disconnect) {
      asio::co_spawn(
          conn.executor,
          [owned, shared]() -> asio::awaitable<void> {
            std::array<char, 512> sink;
            co_await owned->async_read_some(asio::buffer(sink), kNoThrow);
            shared->peer_gone = true;
            shared->Wake();
          },
          asio::detached);
    }

    Metrics().streams.Add(1);
    asio::steady_timer timer(conn.executor);
    conn.wake_timer = &timer;
    std::weak_ptr<Connection> weak = shared;
    response.stream->OnReadable([weak, executor = conn.executor] {
      if (auto c = weak.lock()) asio::post(executor, [c] { c->Wake(); });
    });
    bool ok = true;
    std::string chunk;
    for (;;) {
      chunk.clear();
      conn.wake_pending = false;
      if (conn.peer_gone) {
        ok = false;
        break;
      }
      bool more = !stopping_ && response.stream->Read(&chunk);
      if (!chunk.empty()) {
        tcp_layer.expires_after(ToChrono(options_.transfer_timeout));
        auto [ec, n] = co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(chunk)), kNoThrow);
        if (ec) {
          ok = false;
          break;
        }
      }
      if (!more) break;
      if (!chunk.empty() || conn.wake_pending) continue;
      tcp_layer.expires_never();
      absl::Time next = response.stream->NextCheck();
      timer.expires_after(next == absl::InfiniteFuture() ? std::chrono::hours(24)
                                                         : ToChrono(std::max(absl::ZeroDuration(), next - absl::Now())));
      co_await timer.async_wait(kNoThrow);
    }
    conn.wake_timer = nullptr;
    Metrics().streams.Add(-1);
    if (!ok) co_return false;
    tcp_layer.expires_after(ToChrono(options_.transfer_timeout));
    auto [ec, n] = co_await asio::async_write(stream, bhttp::make_chunk_last(), kNoThrow);
    co_return !ec && !stopping_;
  }

  asio::awaitable<void> WriteError(TlsStream& stream, int code, absl::string_view reason, absl::string_view message) {
    Metrics().closed.WithLabels({reason == "BadRequest" ? "malformed" : "too_large"}).Inc();
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(code), 11};
    out.set(bhttp::field::content_type, "application/json");
    out.body() = PlainStatus(code, reason, message);
    out.keep_alive(false);
    out.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    co_await bhttp::async_write(stream, out, kNoThrow);
  }

  asio::awaitable<void> WriteTooLarge(TlsStream& stream) {
    co_await WriteError(stream, 413, "RequestEntityTooLarge",
                        absl::StrCat("the request body is larger than the limit of ", options_.max_body_bytes,
                                     " bytes"));
    // A client still sending its body would see a reset, not the 413, if
    // the connection closed now: read and drop what it sends for a moment.
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    size_t dropped = 0;
    while (dropped < 4 * options_.max_body_bytes) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kNoThrow);
      if (ec) break;
      dropped += n;
    }
  }

  static bool ToRequest(bhttp::request<bhttp::string_body> in, HttpRequest* out) {
    out->method = std::string(in.method_string());
    out->target = std::string(in.target());
    if (!ParseTarget(out->target, &out->path, &out->params)) return false;
    for (const auto& field : in) {
      std::string name = absl::AsciiStrToLower(absl::string_view(field.name_string().data(), field.name_string().size()));
      absl::string_view value(field.value().data(), field.value().size());
      auto [it, inserted] = out->headers.try_emplace(name, value);
      if (!inserted) absl::StrAppend(&it->second, ", ", value);
    }
    out->body = std::move(in.body());
    return true;
  }

  HttpResponse Invoke(HttpRequest& request) {
    try {
      return handler_(request);
    } catch (const std::exception& e) {
      spdlog::error("http: 500 on {} {}: {}", request.method, request.path, e.what());
    } catch (...) {
      spdlog::error("http: 500 on {} {}: unknown exception", request.method, request.path);
    }
    HttpResponse response;
    response.status = 500;
    response.body = PlainStatus(500, "InternalError", "internal error");
    return response;
  }

  const Options options_;
  const Handler handler_;
  static std::vector<std::unique_ptr<asio::io_context>> MakeIoContexts(int count) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < std::max(1, count); ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }

  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  size_t next_io_ = 0;
  asio::ssl::context tls_;
  tcp::acceptor acceptor_;
  asio::thread_pool handlers_;
  std::vector<std::thread> io_threads_;
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  absl::flat_hash_map<Connection*, std::shared_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
};

HttpServer::HttpServer(Options options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

absl::StatusOr<int> HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace gantry::apiserver::http
