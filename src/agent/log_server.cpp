#include "agent/log_server.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "agent/container_log.h"
#include "common/files.h"
#include "common/stoppable_sleep.h"

namespace gantry::agent {
namespace {

constexpr size_t kChunk = 32 * 1024;

}  // namespace

LogServer::LogServer(api::NodeAgent::Stub& stub, std::string node, std::string token, LogPathFn log_path)
    : stub_(stub), node_(std::move(node)), token_(std::move(token)), log_path_(std::move(log_path)) {}

LogServer::~LogServer() { Stop(); }

void LogServer::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void LogServer::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

bool LogServer::Send(Stream& stream, const api::LogChunk& chunk) {
  std::lock_guard lock(write_mu_);
  return stream.Write(chunk);
}

void LogServer::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_);
    std::stop_callback cancel(stop, [&ctx] { ctx.TryCancel(); });
    auto stream = stub_.Logs(&ctx);
    api::LogChunk hello;
    hello.set_node_name(node_);
    api::LogRequest request;
    if (Send(*stream, hello)) {
      while (stream->Read(&request)) {
        std::lock_guard lock(workers_mu_);
        if (request.cancel()) {
          workers_.erase(request.id());  // the jthread's destructor stops and joins it
          continue;
        }
        absl::erase_if(workers_, [](const auto& w) { return w.second.finished->load(); });
        auto finished = std::make_shared<std::atomic<bool>>(false);
        workers_[request.id()] = Worker{
            finished, std::jthread([this, s = stream.get(), request, finished](std::stop_token st) {
              Serve(st, *s, request);
              *finished = true;
            })};
      }
    }
    {
      std::lock_guard lock(workers_mu_);
      workers_.clear();
    }
    grpc::Status status = stream->Finish();
    if (stop.stop_requested()) return;
    spdlog::debug("agent: log stream ended: {}", status.error_message());
    SleepUnlessStopped(stop, absl::Seconds(1));
  }
}

void LogServer::Serve(std::stop_token stop, Stream& stream, const api::LogRequest& request) {
  api::LogChunk chunk;
  chunk.set_id(request.id());
  std::string path = log_path_(request.pod().uid(), request.container(), request.previous());
  auto text = ReadFile(path);
  if (!text.ok()) {
    chunk.set_done(true);
    const std::string where = "container \"" + request.container() + "\" in pod \"" + request.pod().name() + "\"";
    chunk.set_error(request.previous() ? "previous terminated " + where + " not found"
                                       : "no logs yet for " + where + " on this node");
    Send(stream, chunk);
    return;
  }
  LogReadOptions options;
  if (request.since_time_ns() > 0) options.since = absl::FromUnixNanos(request.since_time_ns());
  options.timestamps = request.timestamps();
  ContainerLogReader reader(options);
  std::string output;
  reader.Feed(*text, &output);
  if (!request.follow()) reader.Finish(&output);
  for (size_t at = TailOffset(output, request.tail_lines()); at < output.size(); at += kChunk) {
    chunk.set_data(output.substr(at, kChunk));
    if (!Send(stream, chunk)) return;
  }
  chunk.clear_data();
  if (request.follow()) {
    // The container appends; inotify says when. Ends with the container
    // (its shim records the exit) or when the client goes away.
    std::string exit_path = path.substr(0, path.size() - 4) + ".exit";
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    off_t offset = static_cast<off_t>(text->size());
    if (in >= 0 && fd >= 0) inotify_add_watch(in, path.c_str(), IN_MODIFY);
    char buffer[kChunk];
    while (!stop.stop_requested() && in >= 0 && fd >= 0) {
      pollfd p{in, POLLIN, 0};
      poll(&p, 1, 500);
      char events[4096];
      while (read(in, events, sizeof(events)) > 0) {
      }
      struct stat st {};
      if (fstat(fd, &st) == 0 && st.st_size < offset) offset = 0;  // rotated (copytruncate)
      ssize_t n;
      while ((n = pread(fd, buffer, sizeof(buffer), offset)) > 0) {
        offset += n;
        output.clear();
        reader.Feed(absl::string_view(buffer, static_cast<size_t>(n)), &output);
        if (output.empty()) continue;
        chunk.set_data(output);
        if (!Send(stream, chunk)) break;
      }
      chunk.clear_data();
      if (std::filesystem::exists(exit_path) && fstat(fd, &st) == 0 && st.st_size <= offset) break;
    }
    if (fd >= 0) close(fd);
    if (in >= 0) close(in);
  }
  chunk.set_done(true);
  Send(stream, chunk);
}

}  // namespace gantry::agent
