// A LIST response encoded as the connection drains it, a batch of items at a
// time: a list costs memory in proportion to one batch, not to the result
// (the objects themselves are shared with the store).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "apiserver/http/body_stream.h"
#include "store/store.h"

namespace gantry::apiserver {

class ListBody : public http::BodyStream {
 public:
  // `metadata` is the list's metadata object (resourceVersion, continue).
  ListBody(const api::KindInfo& kind, store::ListResult list, nlohmann::json metadata);

  void OnReadable(std::function<void()>) override {}
  bool Read(std::string* out) override;
  absl::Time NextCheck() const override { return absl::InfinitePast(); }
  void Close() override { list_.items.clear(); }
  bool Endless() const override { return false; }

 private:
  const api::KindInfo& kind_;
  store::ListResult list_;
  const nlohmann::json metadata_;
  size_t next_ = 0;
  bool started_ = false;
};

}  // namespace gantry::apiserver
