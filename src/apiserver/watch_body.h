// A watch as an HTTP body: events from a store WatchStream encoded as
// newline-delimited JSON (objects or one-row Tables), an ERROR event when the
// stream ends badly, bookmarks when asked for, and the end at timeoutSeconds.
#pragma once

#include <absl/status/status.h>
#include <absl/time/time.h>

#include <memory>

#include "apiserver/http/body_stream.h"
#include "apiserver/table_printers.h"
#include "store/store.h"

namespace gantry::apiserver {

class WatchBody : public http::BodyStream {
 public:
  struct Options {
    absl::Time deadline;
    bool bookmarks = false;
    bool table = false;
    TableObjects include = TableObjects::kMetadata;
  };
  // `stream` may be an error (e.g. Expired): the body is then one ERROR event.
  WatchBody(const api::KindInfo& kind, const store::Store& store,
            absl::StatusOr<std::shared_ptr<store::WatchStream>> stream, Options options);
  ~WatchBody() override;

  void OnReadable(std::function<void()> wake) override;
  bool Read(std::string* out) override;
  absl::Time NextCheck() const override;
  void Close() override;

 private:
  void AppendEvent(const char* type, const nlohmann::json& object, std::string* out) const;

  const api::KindInfo& kind_;
  const store::Store& store_;
  std::shared_ptr<store::WatchStream> stream_;
  absl::Status start_error_;
  const Options options_;
  absl::Time next_bookmark_;
  bool first_row_ = true;
};

}  // namespace gantry::apiserver
