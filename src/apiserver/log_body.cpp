#include "apiserver/log_body.h"

#include <absl/strings/str_cat.h>

namespace gantry::apiserver {

bool LogBody::Read(std::string* out) {
  if (!reader_) return false;
  std::string data;
  size_t before = out->size();
  while (out->size() < (64 << 10) && reader_->Next(&data, absl::ZeroDuration())) out->append(data);
  if (left_ >= 0) {
    int64_t added = static_cast<int64_t>(out->size() - before);
    if (added >= left_) {
      out->resize(before + static_cast<size_t>(left_));
      reader_.reset();  // cancels the agent's side
      return false;
    }
    left_ -= added;
  }
  if (!reader_->ended()) return true;
  if (!reader_->status().ok()) absl::StrAppend(out, reader_->status().message(), "\n");
  return false;
}

}  // namespace gantry::apiserver
