// Events as Kubernetes records them: one new Event object per occurrence,
// named after the object it is about, so `kubectl describe` and
// `kubectl get events` show it.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string>

#include "api/kinds.h"
#include "core.pb.h"

namespace gantry::api {

struct EventSpec {
  std::string type = "Normal";  // or "Warning"
  std::string reason;
  std::string message;
  std::string component;  // "gantry-scheduler"
};

// An Event about `object` (of `kind`), stamped now.
std::unique_ptr<Event> NewEvent(const KindInfo& kind, const google::protobuf::Message& object, const EventSpec& spec);

}  // namespace gantry::api
