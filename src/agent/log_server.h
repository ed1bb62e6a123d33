// The agent's end of the log relay: keeps one Logs stream open to the
// server and answers each request from the container's log file (the last
// N lines, then, with follow, what is appended until the container ends or
// the request is cancelled).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent.grpc.pb.h"

namespace gantry::agent {

class LogServer {
 public:
  // `log_path(uid, container, previous)` names a container's log file.
  using LogPathFn = std::function<std::string(const std::string&, const std::string&, bool)>;
  LogServer(api::NodeAgent::Stub& stub, std::string node, std::string token, LogPathFn log_path);
  ~LogServer();

  void Start();
  void Stop();

 private:
  using Stream = grpc::ClientReaderWriter<api::LogChunk, api::LogRequest>;
  void Run(std::stop_token stop);
  void Serve(std::stop_token stop, Stream& stream, const api::LogRequest& request);
  bool Send(Stream& stream, const api::LogChunk& chunk);

  api::NodeAgent::Stub& stub_;
  const std::string node_;
  const std::string token_;
  const LogPathFn log_path_;
  std::mutex write_mu_;
  std::mutex workers_mu_;
  struct Worker {
    std::shared_ptr<std::atomic<bool>> finished;
    std::jthread thread;  // last: destroyed (stopped and joined) first
  };
  absl::flat_hash_map<std::string, Worker> workers_;
  std::jthread thread_;
};

}  // namespace gantry::agent
