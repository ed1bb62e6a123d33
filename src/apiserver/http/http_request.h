// One HTTP request as the handlers see it, independent of the server library:
// the decoded path, the query parameters, the headers and the whole body.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/strings/string_view.h>

#include <string>

namespace gantry::apiserver::http {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded, without the query
  // The first value of each query parameter, decoded.
  absl::flat_hash_map<std::string, std::string> params;
  // Header names in lower case; repeated headers joined with ", ".
  absl::flat_hash_map<std::string, std::string> headers;
  std::string body;

  // `name` in lower case. Empty when absent.
  std::string Header(absl::string_view name) const;
  std::string Param(absl::string_view name) const;
  bool HasParam(absl::string_view name) const { return params.contains(name); }
  // A boolean query parameter read the way Kubernetes reads it (Go's
  // strconv.ParseBool): 1 t T TRUE true True and 0 f F FALSE false False.
  // Absent or unreadable values are `fallback`.
  bool BoolParam(absl::string_view name, bool fallback = false) const;
};

// Splits "path?query" into the decoded path and parameters. False when the
// percent-encoding is malformed.
bool ParseTarget(absl::string_view target, std::string* path,
                 absl::flat_hash_map<std::string, std::string>* params);

}  // namespace gantry::apiserver::http
