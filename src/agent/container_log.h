// Reading a container's log file (the CRI format the shim writes: "<RFC 3339
// nano time> <stdout|stderr> <F|P> <text>", P when the next record continues
// the line) back into what the container printed, with kubectl's options:
// only lines since a time, each prefixed with its time, the last N lines.
// A line not in that format (a log written before the shim kept times) is
// passed through as it is.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <string>
#include <absl/strings/string_view.h>

namespace gantry::agent {

struct LogReadOptions {
  absl::Time since = absl::InfinitePast();  // lines written before are left out
  bool timestamps = false;                  // prefix each line with its time, as kubectl logs --timestamps
};

// Turns whole records into output; keeps an unfinished record (no newline
// yet, as while a file is appended to) for the next Feed.
class ContainerLogReader {
 public:
  explicit ContainerLogReader(LogReadOptions options) : options_(options) {}

  // Appends the output of the complete records in `data` (and any kept from
  // before) to `out`.
  void Feed(absl::string_view data, std::string* out);
  // At the end of the file: what an unterminated last record holds.
  void Finish(std::string* out);

 private:
  void Record(absl::string_view record, std::string* out);

  const LogReadOptions options_;
  std::string pending_;       // bytes after the last newline
  bool continuing_ = false;   // the previous record was partial (P)
  bool skipping_ = false;     // ... and its line is before `since`
};

// The offset in `output` (ContainerLogReader's) where its last `lines` lines start.
size_t TailOffset(absl::string_view output, int64_t lines);

}  // namespace gantry::agent
