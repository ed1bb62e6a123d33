// A response body produced over time: watch events, followed logs, a large
// list encoded page by page. The connection pulls from it without blocking
// and waits (holding no thread) until the stream says it has more.
#pragma once

#include <absl/time/time.h>

#include <functional>
#include <string>

namespace gantry::apiserver::http {

class BodyStream {
 public:
  virtual ~BodyStream() = default;

  // The callback the stream calls, from any thread, whenever Read may have
  // more to give. Set once, before the first Read.
  virtual void OnReadable(std::function<void()> wake) = 0;
  // Appends what is ready now to *out without blocking. False once the
  // stream is over (*out may then still hold its last bytes).
  virtual bool Read(std::string* out) = 0;
  // When to Read again even without a wake (a deadline, a bookmark).
  virtual absl::Time NextCheck() const = 0;
  // A stream that may last indefinitely (a watch, a followed log): its
  // connection watches for the client leaving and closes when it ends. A
  // finite one (a large list) leaves the connection open for the next request.
  virtual bool Endless() const { return true; }
  // The client left or the server stops: release what the stream holds.
  // After Close returns the wake callback is never called again.
  virtual void Close() = 0;
};

}  // namespace gantry::apiserver::http
