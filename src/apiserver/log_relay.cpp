#include "apiserver/log_relay.h"

#include <absl/strings/str_cat.h>

namespace gantry::apiserver {

struct LogRelay::Reader::State {
  mutable absl::Mutex mu;
  std::deque<std::string> chunks ABSL_GUARDED_BY(mu);
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::Status status ABSL_GUARDED_BY(mu);
  std::function<void()> listener ABSL_GUARDED_BY(mu);

  void Push(const std::string& data) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (data.empty()) return;
    chunks.push_back(data);
    if (chunks.size() == 1 && listener) listener();
  }
  void End(absl::Status why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    done = true;
    status = std::move(why);
    if (listener) listener();
  }
};

struct LogRelay::Session {
  AgentStream* stream;
  absl::Mutex write_mu;  // one Write at a time on a gRPC stream
  absl::Mutex mu;
  absl::flat_hash_map<std::string, std::shared_ptr<Reader::State>> readers ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;

  bool Send(const api::LogRequest& request) {
    absl::MutexLock lock(&write_mu);
    return stream->Write(request);
  }
};

LogRelay::Reader::~Reader() {
  {
    absl::MutexLock lock(&state_->mu);
    state_->listener = nullptr;
  }
  if (!ended() && cancel_) cancel_();
}

void LogRelay::Reader::SetListener(std::function<void()> listener) {
  absl::MutexLock lock(&state_->mu);
  state_->listener = std::move(listener);
  if (state_->listener && (!state_->chunks.empty() || state_->done)) state_->listener();
}

bool LogRelay::Reader::Next(std::string* data, absl::Duration timeout) {
  absl::MutexLock lock(&state_->mu);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu) { return !state_->chunks.empty() || state_->done; };
  if (timeout > absl::ZeroDuration()) state_->mu.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (state_->chunks.empty()) return false;
  *data = std::move(state_->chunks.front());
  state_->chunks.pop_front();
  return true;
}

bool LogRelay::Reader::ended() const {
  absl::MutexLock lock(&state_->mu);
  return state_->done && state_->chunks.empty();
}

absl::Status LogRelay::Reader::status() const {
  absl::MutexLock lock(&state_->mu);
  return state_->status;
}

void LogRelay::Serve(const std::string& node, AgentStream* stream) {
  auto session = std::make_shared<Session>();
  session->stream = stream;
  {
    absl::MutexLock lock(&mu_);
    sessions_[node] = session;  // a reconnecting agent replaces its old stream
  }
  api::LogChunk chunk;
  while (stream->Read(&chunk)) {
    std::shared_ptr<Reader::State> state;
    {
      absl::MutexLock lock(&session->mu);
      auto it = session->readers.find(chunk.id());
      if (it == session->readers.end()) continue;
      state = it->second;
      if (chunk.done()) session->readers.erase(it);
    }
    absl::MutexLock lock(&state->mu);
    state->Push(chunk.data());
    if (chunk.done()) state->End(chunk.error().empty() ? absl::OkStatus() : absl::NotFoundError(chunk.error()));
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = sessions_.find(node);
    if (it != sessions_.end() && it->second == session) sessions_.erase(it);
  }
  absl::MutexLock lock(&session->mu);
  session->closed = true;
  for (auto& [id, state] : session->readers) {
    absl::MutexLock state_lock(&state->mu);
    state->End(absl::UnavailableError(absl::StrCat("the agent of node ", node, " disconnected")));
  }
  session->readers.clear();
}

absl::StatusOr<std::unique_ptr<LogRelay::Reader>> LogRelay::Open(const std::string& node, api::LogRequest request) {
  std::shared_ptr<Session> session;
  {
    absl::MutexLock lock(&mu_);
    auto it = sessions_.find(node);
    if (it != sessions_.end()) session = it->second;
  }
  if (!session) {
    return absl::UnavailableError(absl::StrCat("node ", node, " has no agent connected to serve logs"));
  }
  std::string id = std::to_string(++next_id_);
  request.set_id(id);
  auto reader = std::unique_ptr<Reader>(new Reader());
  reader->state_ = std::make_shared<Reader::State>();
  {
    absl::MutexLock lock(&session->mu);
    if (session->closed) return absl::UnavailableError(absl::StrCat("the agent of node ", node, " disconnected"));
    session->readers[id] = reader->state_;
  }
  if (!session->Send(request)) return absl::UnavailableError(absl::StrCat("the agent of node ", node, " disconnected"));
  std::weak_ptr<Session> weak = session;
  reader->cancel_ = [weak, id] {
    auto s = weak.lock();
    if (!s) return;
    {
      absl::MutexLock lock(&s->mu);
      s->readers.erase(id);
    }
    api::LogRequest cancel;
    cancel.set_id(id);
    cancel.set_cancel(true);
    s->Send(cancel);
  };
  return reader;
}

}  // namespace gantry::apiserver
