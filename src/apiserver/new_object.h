// What the API server sets on every object it creates, whoever asks (a
// client over HTTP, or a controller): a name from generateName, a uid,
// creationTimestamp and generation 1; what only the server may set is
// cleared.
#pragma once

#include <google/protobuf/message.h>

#include "api/kinds.h"

namespace gantry::apiserver {

void AssignServerFields(const api::KindInfo& kind, google::protobuf::Message* object);

}  // namespace gantry::apiserver
