// Every kind carries ObjectMeta as field 1 ("metadata"); these reach it
// without knowing the concrete type.
#pragma once

#include <google/protobuf/message.h>

#include "meta.pb.h"

namespace gantry::api {

const ObjectMeta& MetaOf(const google::protobuf::Message& object);
ObjectMeta* MutableMetaOf(google::protobuf::Message* object);

}  // namespace gantry::api
