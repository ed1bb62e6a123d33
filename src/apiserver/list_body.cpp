#include "apiserver/list_body.h"

#include <absl/strings/str_cat.h>

#include "api/json_codec.h"
#include "apiserver/status_response.h"

namespace gantry::apiserver {
namespace {
constexpr size_t kBatchBytes = 256 << 10;
}  // namespace

ListBody::ListBody(const api::KindInfo& kind, store::ListResult list, nlohmann::json metadata)
    : kind_(kind), list_(std::move(list)), metadata_(std::move(metadata)) {}

bool ListBody::Read(std::string* out) {
  if (!started_) {
    started_ = true;
    absl::StrAppend(out, R"({"kind":)", DumpJson(kind_.ListKind()), R"(,"apiVersion":)", DumpJson(kind_.ApiVersion()),
                    R"(,"metadata":)", DumpJson(metadata_), R"(,"items":[)");
  }
  while (next_ < list_.items.size() && out->size() < kBatchBytes) {
    if (next_ > 0) out->push_back(',');
    out->append(DumpJson(api::EncodeObject(kind_, *list_.items[next_])));
    list_.items[next_].reset();  // encoded: the store's copy is all that remains
    ++next_;
  }
  if (next_ < list_.items.size()) return true;
  out->append("]}");
  return false;
}

}  // namespace gantry::apiserver
