// A bench's live progress on a terminal: one line on stderr, rewritten every
// second with what `describe` says, erased when the line is destroyed. Not
// shown when stderr is not a terminal (logs, CI).
#pragma once

#include <functional>
#include <string>
#include <thread>

namespace gantry::bench {

class ProgressLine {
 public:
  // `describe` gets the seconds since the previous line.
  explicit ProgressLine(std::function<std::string(double)> describe);
  ~ProgressLine();

 private:
  std::jthread thread_;
};

}  // namespace gantry::bench
