#include "apiserver/watch_body.h"

#include <absl/strings/str_cat.h>

#include "apiserver/encoded_object_cache.h"
#include "apiserver/status_response.h"
#include "common/metrics.h"

namespace gantry::apiserver {
namespace {

constexpr size_t kBatchBytes = 64 << 10;
constexpr absl::Duration kBookmarkInterval = absl::Seconds(30);

metrics::Gauge& OpenWatches() {
  static metrics::Gauge& g =
      metrics::DefaultRegistry().AddGauge("gantry_apiserver_open_watches", "Open HTTP watch streams.").WithLabels({});
  return g;
}

}  // namespace

WatchBody::WatchBody(const api::KindInfo& kind, const store::Store& store,
                     absl::StatusOr<std::shared_ptr<store::WatchStream>> stream, Options options)
    : kind_(kind),
      store_(store),
      stream_(stream.ok() ? *stream : nullptr),
      start_error_(stream.status()),
      options_(options),
      next_bookmark_(absl::Now() + kBookmarkInterval) {
  OpenWatches().Add(1);
}

WatchBody::~WatchBody() {
  Close();
  OpenWatches().Add(-1);
}

void WatchBody::OnReadable(std::function<void()> wake) {
  if (stream_) stream_->SetListener(std::move(wake));
}

void WatchBody::AppendEvent(const char* type, const nlohmann::json& object, std::string* out) const {
  absl::StrAppend(out, DumpJson({{"type", type}, {"object", object}}), "\n");
}

bool WatchBody::Read(std::string* out) {
  if (!start_error_.ok()) {
    AppendEvent("ERROR", StatusObject(start_error_), out);
    return false;
  }
  store::WatchEvent event;
  while (out->size() < kBatchBytes) {
    auto got = stream_->Next(&event, absl::ZeroDuration());
    if (!got.ok()) {
      if (got.status().code() != absl::StatusCode::kCancelled) AppendEvent("ERROR", StatusObject(got.status()), out);
      return false;
    }
    if (!*got) break;
    if (options_.table) {
      AppendEvent(store::WatchEventTypeName(event.type),
                  ToTable(kind_, {event.object}, options_.include, first_row_, std::to_string(event.revision)), out);
      first_row_ = false;
    } else {
      absl::StrAppend(out, R"({"type":")", store::WatchEventTypeName(event.type), R"(","object":)",
                      *WatchEncodings().Get(kind_, event.object), "}\n");
    }
  }
  absl::Time now = absl::Now();
  if (now >= options_.deadline) return false;
  if (options_.bookmarks && now >= next_bookmark_ && out->empty()) {
    next_bookmark_ = now + kBookmarkInterval;
    AppendEvent("BOOKMARK",
                {{"kind", std::string(kind_.kind)},
                 {"apiVersion", kind_.ApiVersion()},
                 {"metadata", {{"resourceVersion", std::to_string(store_.CurrentRevision())}}}},
                out);
  }
  return true;
}

absl::Time WatchBody::NextCheck() const {
  return options_.bookmarks ? std::min(options_.deadline, next_bookmark_) : options_.deadline;
}

void WatchBody::Close() {
  if (stream_) stream_->Cancel();
}

}  // namespace gantry::apiserver
