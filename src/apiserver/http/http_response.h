// One HTTP response as the handlers produce it: a status, headers and either
// a whole body or a BodyStream sent with chunked framing.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "apiserver/http/body_stream.h"

namespace gantry::apiserver::http {

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<BodyStream> stream;  // when set, the body comes from it
  // The request carried a valid credential: the connection may then idle
  // longer than an anonymous one between requests.
  bool authenticated = false;

  void SetHeader(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

}  // namespace gantry::apiserver::http
