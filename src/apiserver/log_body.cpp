#include "apiserver/log_body.h"

#include <absl/strings/str_cat.h>

namespace gantry::apiserver {

bool LogBody::Read(std::string* out) {
  if (!reader_) return false;
  std::string data;
  while (out->size() < (64 << 10) && reader_->Next(&data, absl::ZeroDuration())) out->append(data);
  if (!reader_->ended()) return true;
  if (!reader_->status().ok()) absl::StrAppend(out, reader_->status().message(), "\n");
  return false;
}

}  // namespace gantry::apiserver
