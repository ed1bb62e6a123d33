// Container logs from agents to HTTP clients. Each agent keeps one Logs
// stream open (the server never dials a node); an HTTP request for a pod's
// log becomes a LogRequest sent down that stream, and the chunks the agent
// sends back are handed to the request as they arrive.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "agent.grpc.pb.h"

namespace gantry::apiserver {

class LogRelay {
 public:
  using AgentStream = grpc::ServerReaderWriter<api::LogRequest, api::LogChunk>;

  // One open request on the HTTP side.
  class Reader {
   public:
    ~Reader();
    // Waits up to `timeout` for data. False once the log has ended (then
    // status() tells whether it ended well) or nothing came in time (check
    // ended()).
    bool Next(std::string* data, absl::Duration timeout);
    bool ended() const;
    absl::Status status() const;
    // Called, under the reader's lock, when data arrives at an empty reader
    // or the log ends; cleared when the reader goes.
    void SetListener(std::function<void()> listener);

   private:
    friend class LogRelay;
    struct State;
    std::shared_ptr<State> state_;
    std::function<void()> cancel_;
  };

  // Serves one agent's stream until it ends (AgentService::Logs).
  void Serve(const std::string& node, AgentStream* stream);
  // Unavailable when the node's agent has no stream open.
  absl::StatusOr<std::unique_ptr<Reader>> Open(const std::string& node, api::LogRequest request);

 private:
  struct Session;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> next_id_{0};
};

}  // namespace gantry::apiserver
