#include "agent/container_log.h"

#include <absl/strings/str_split.h>

#include "common/time_format.h"

namespace gantry::agent {

void ContainerLogReader::Feed(absl::string_view data, std::string* out) {
  pending_.append(data.data(), data.size());
  size_t start = 0;
  for (size_t nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n', start)) {
    Record(absl::string_view(pending_).substr(start, nl - start), out);
    start = nl + 1;
  }
  pending_.erase(0, start);
}

void ContainerLogReader::Finish(std::string* out) {
  if (!pending_.empty()) Record(pending_, out);
  pending_.clear();
}

void ContainerLogReader::Record(absl::string_view record, std::string* out) {
  // "<time> <stream> <tag> <text>"
  std::vector<absl::string_view> parts = absl::StrSplit(record, absl::MaxSplits(' ', 3));
  std::optional<absl::Time> at;
  if (parts.size() == 4 && (parts[1] == "stdout" || parts[1] == "stderr") && (parts[2] == "F" || parts[2] == "P")) {
    at = ParseRfc3339(parts[0]);
  }
  if (!at) {  // not a CRI record: the file predates them
    out->append(record.data(), record.size());
    out->push_back('\n');
    continuing_ = false;
    return;
  }
  bool partial = parts[2] == "P";
  if (!continuing_) {
    skipping_ = *at < options_.since;
    if (!skipping_ && options_.timestamps) {
      out->append(parts[0].data(), parts[0].size());
      out->push_back(' ');
    }
  }
  if (!skipping_) {
    out->append(parts[3].data(), parts[3].size());
    if (!partial) out->push_back('\n');
  }
  continuing_ = partial;
}

size_t TailOffset(absl::string_view output, int64_t lines) {
  if (lines < 0) return 0;
  size_t end = output.size();
  if (end > 0 && output[end - 1] == '\n') --end;
  for (int64_t n = 0; n < lines; ++n) {
    size_t nl = output.rfind('\n', end == 0 ? 0 : end - 1);
    if (nl == absl::string_view::npos || end == 0) return 0;
    if (n + 1 == lines) return nl + 1;
    end = nl;
  }
  return output.size();
}

}  // namespace gantry::agent
