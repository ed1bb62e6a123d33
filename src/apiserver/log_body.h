// A container log relayed from its agent as an HTTP body, sent as it arrives
// (follow) and ended when the agent ends it.
#pragma once

#include <memory>

#include "apiserver/http/body_stream.h"
#include "apiserver/log_relay.h"

namespace gantry::apiserver {

class LogBody : public http::BodyStream {
 public:
  explicit LogBody(std::unique_ptr<LogRelay::Reader> reader) : reader_(std::move(reader)) {}

  void OnReadable(std::function<void()> wake) override { reader_->SetListener(std::move(wake)); }
  bool Read(std::string* out) override;
  absl::Time NextCheck() const override { return absl::InfiniteFuture(); }
  void Close() override { reader_.reset(); }

 private:
  std::unique_ptr<LogRelay::Reader> reader_;
};

}  // namespace gantry::apiserver
