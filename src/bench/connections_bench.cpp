#include "bench/connections_bench.h"

#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/strip.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <array>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_workload.h"
#include "common/open_file_limit.h"

namespace gantry::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Target {
  std::string host;
  std::string port;
  std::string token;
};

// Held connections share these counters; the io threads update them.
struct Held {
  std::atomic<int> opened{0};
  std::atomic<int> failed{0};
  std::atomic<int> closed_early{0};
  std::atomic<int64_t> events{0};
  std::atomic<bool> stop{false};
  std::string first_error;
  std::atomic<bool> error_recorded{false};

  void Fail(const std::string& why) {
    ++failed;
    if (!error_recorded.exchange(true)) first_error = why;
  }
};

// Opens one TLS connection, sends `request`, reads the response head, then
// (for a watch) counts event lines until told to stop. `slots` bounds how
// many opens are in flight at once.
asio::awaitable<void> HoldConnection(asio::ssl::context& tls, const Target& target, std::string request,
                                     bool watch, Held& held, std::shared_ptr<std::atomic<int>> slots) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  asio::ssl::stream<tcp::socket> stream(executor, tls);
  auto release = [&, released = false]() mutable {
    if (!released) --*slots;
    released = true;
  };
  auto [rec, endpoints] = co_await resolver.async_resolve(target.host, target.port, kNoThrow);
  if (rec) {
    held.Fail(rec.message());
    release();
    co_return;
  }
  // The server's anonymous timeout closes a stalled handshake; this bounds
  // the wait should it not.
  asio::steady_timer deadline(executor, std::chrono::seconds(30));
  deadline.async_wait([&stream](const boost::system::error_code& ec) {
    if (!ec) stream.next_layer().close();
  });
  auto [cec, endpoint] = co_await asio::async_connect(stream.next_layer(), endpoints, kNoThrow);
  if (!cec) std::tie(cec) = co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (!cec) std::tie(cec, std::ignore) = co_await asio::async_write(stream, asio::buffer(request), kNoThrow);
  std::string buffer;
  if (!cec) {
    std::tie(cec, std::ignore) =
        co_await asio::async_read_until(stream, asio::dynamic_buffer(buffer), "\r\n\r\n", kNoThrow);
  }
  if (cec || !absl::StartsWith(buffer, "HTTP/1.1 200")) {
    deadline.cancel();
    held.Fail(cec ? cec.message() : buffer.substr(0, buffer.find("\r\n")));
    release();
    co_return;
  }
  deadline.cancel();
  ++held.opened;
  release();
  if (!watch) {
    // Idle: the server may close it only at its idle timeout.
    std::array<char, 256> sink;
    co_await stream.async_read_some(asio::buffer(sink), kNoThrow);
    if (!held.stop) ++held.closed_early;
    co_return;
  }
  // Each event is one JSON line naming its type; a marker may straddle reads.
  constexpr std::string_view kAdded = "\"type\":\"ADDED\"";
  std::array<char, 16384> data;
  std::string window;
  while (!held.stop) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(data), kNoThrow);
    if (ec) {
      if (!held.stop) ++held.closed_early;
      co_return;
    }
    window.append(data.data(), n);
    for (size_t at = window.find(kAdded); at != std::string::npos; at = window.find(kAdded, at + 1)) ++held.events;
    window.erase(0, window.size() > kAdded.size() ? window.size() - (kAdded.size() - 1) : 0);
  }
}

absl::StatusOr<Target> ParseServer(const Kubeconfig& config) {
  absl::string_view url = config.server;
  if (!absl::ConsumePrefix(&url, "https://")) return absl::InvalidArgumentError("the server URL must be https://");
  size_t colon = url.rfind(':');
  if (colon == absl::string_view::npos) return Target{std::string(url), "443", config.token};
  return Target{std::string(url.substr(0, colon)), std::string(url.substr(colon + 1)), config.token};
}

void PrintLatency(const char* what, std::vector<double>& ms) {
  printf("%s", absl::StrFormat("  %s: %d answered, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", what, ms.size(),
                               Percentile(ms, 0.5), Percentile(ms, 0.99), Percentile(ms, 1.0))
                   .c_str());
}

}  // namespace

void AddConnectionsBench(CLI::App& bench, ConnectionsBenchOptions& o) {
  CLI::App* c = bench.add_subcommand(
      "connections", "GET/POST latency while N watches and M idle keep-alive connections are held open");
  c->add_option("--kubeconfig", o.connection.kubeconfig, "kubeconfig of the server to measure");
  c->add_option("--server", o.connection.server, "API server URL, overriding the kubeconfig");
  c->add_option("--token", o.connection.token, "bearer token, overriding the kubeconfig");
  c->add_option("--watches", o.watches, "Pod watches to hold open")->check(CLI::Range(0, 200000))->capture_default_str();
  c->add_option("--idle", o.idle, "Idle authenticated keep-alive connections to hold open")
      ->check(CLI::Range(0, 200000))
      ->capture_default_str();
  c->add_option("--requests", o.requests, "GETs, and as many POSTs, measured while they are open")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--parallel-opens", o.parallel_opens, "Connections being opened at once")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  c->add_flag("--fanout", o.fanout, "Every watch sees every POST (otherwise they watch another namespace)");
  c->add_option("--namespace", o.namespace_, "Namespace for the bench pods (created, deleted afterwards)")
      ->capture_default_str();
}

int RunConnectionsBench(const ConnectionsBenchOptions& o) {
  RaiseOpenFileLimit(static_cast<uint64_t>(o.watches + o.idle + 64));
  auto config = ResolveConnection(o.connection);
  if (!config.ok()) {
    fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  auto target = ParseServer(*config);
  auto client = ctl::ApiClient::Connect(o.connection);
  if (!target.ok() || !client.ok()) {
    fprintf(stderr, "error: %s\n",
            std::string(!target.ok() ? target.status().message() : client.status().message()).c_str());
    return 1;
  }
  std::string watched_namespace = o.fanout ? o.namespace_ : absl::StrCat(o.namespace_, "-watched");
  for (const std::string& name : {o.namespace_, watched_namespace}) {
    nlohmann::json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    if (auto created = (*client)->Call("POST", "/api/v1/namespaces", &ns);
        !created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists) {
      fprintf(stderr, "creating namespace %s: %s\n", name.c_str(), std::string(created.status().message()).c_str());
      return 1;
    }
  }
  std::string collection = absl::StrCat("/api/v1/namespaces/", o.namespace_, "/pods");
  std::string watched = absl::StrCat("/api/v1/namespaces/", watched_namespace, "/pods");
  auto listed = (*client)->Call("GET", collection + "?limit=1");
  if (!listed.ok()) {
    fprintf(stderr, "%s\n", std::string(listed.status().message()).c_str());
    return 1;
  }
  std::string revision = (*listed)["metadata"].value("resourceVersion", "0");

  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);  // a load generator: the CA is not what is measured
  SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  Held held;
  std::thread io_thread([&] { io.run(); });

  auto head = [&](const std::string& path) {
    return absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: ", target->host, "\r\nAuthorization: Bearer ", target->token,
                        "\r\n\r\n");
  };
  std::string watch_request = head(absl::StrCat(watched, "?watch=true&resourceVersion=", revision));
  std::string idle_request = head("/version");
  auto open_start = Clock::now();
  auto slots = std::make_shared<std::atomic<int>>(0);
  int total = o.watches + o.idle;
  for (int i = 0; i < total; ++i) {
    while (*slots >= o.parallel_opens) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++*slots;
    bool watch = i < o.watches;
    asio::co_spawn(io, HoldConnection(tls, *target, watch ? watch_request : idle_request, watch, held, slots),
                   asio::detached);
  }
  while (held.opened + held.failed < total) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double open_seconds = std::chrono::duration<double>(Clock::now() - open_start).count();
  printf("%s", absl::StrFormat("opened %d of %d connections (%d watches, %d idle) in %.1f s; %d failed%s%s\n",
                               held.opened.load(), total, o.watches, o.idle, open_seconds, held.failed.load(),
                               held.failed > 0 ? ": " : "", held.first_error)
                   .c_str());
  fflush(stdout);

  std::vector<double> get_ms, post_ms;
  int errors = 0;
  std::string first_error;
  for (int i = 0; i < o.requests; ++i) {
    auto start = Clock::now();
    auto got = (*client)->Call("GET", collection + "?limit=1");
    if (got.ok()) {
      get_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    } else if (errors++ == 0) {
      first_error = std::string(got.status().message());
    }
    nlohmann::json pod = BenchPod(absl::StrCat("conn-", i));
    pod["spec"]["schedulerName"] = "none";  // only the watches should see them
    start = Clock::now();
    auto created = (*client)->Call("POST", collection, &pod);
    if (created.ok()) {
      post_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    } else if (errors++ == 0) {
      first_error = std::string(created.status().message());
    }
  }
  int64_t want = o.fanout ? static_cast<int64_t>(o.watches) * static_cast<int64_t>(post_ms.size()) : 0;
  auto deliver_start = Clock::now();
  while (held.events < want && Clock::now() - deliver_start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double deliver_seconds = std::chrono::duration<double>(Clock::now() - deliver_start).count();
  printf("while open:\n");
  PrintLatency("GET ", get_ms);
  PrintLatency("POST", post_ms);
  printf("%s", absl::StrFormat("  watch events delivered: %d of %d (%.1f s after the last POST); connections "
                               "closed early: %d; request errors: %d%s%s\n",
                               held.events.load(), want, deliver_seconds, held.closed_early.load(), errors,
                               errors > 0 ? ": " : "", first_error)
                   .c_str());
  held.stop = true;
  guard.reset();
  io.stop();
  io_thread.join();
  (void)(*client)->Call("DELETE", absl::StrCat("/api/v1/namespaces/", o.namespace_));
  if (!o.fanout) (void)(*client)->Call("DELETE", absl::StrCat("/api/v1/namespaces/", watched_namespace));
  bool good = held.failed == 0 && errors == 0 && held.events >= want && held.closed_early == 0;
  return good ? 0 : 1;
}

}  // namespace gantry::bench
