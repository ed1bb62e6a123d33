// A container log relayed from its agent as an HTTP body, sent as it arrives
// (follow) and ended when the agent ends it.
#pragma once

#include <cstdint>
#include <memory>

#include "apiserver/http/body_stream.h"
#include "apiserver/log_relay.h"

namespace gantry::apiserver {

class LogBody : public http::BodyStream {
 public:
  // `limit_bytes` < 0: no limit; else the body ends after that many bytes.
  LogBody(std::unique_ptr<LogRelay::Reader> reader, int64_t limit_bytes)
      : reader_(std::move(reader)), left_(limit_bytes) {}

  void OnReadable(std::function<void()> wake) override { reader_->SetListener(std::move(wake)); }
  bool Read(std::string* out) override;
  absl::Time NextCheck() const override { return absl::InfiniteFuture(); }
  void Close() override { reader_.reset(); }

 private:
  std::unique_ptr<LogRelay::Reader> reader_;
  int64_t left_;
};

}  // namespace gantry::apiserver
