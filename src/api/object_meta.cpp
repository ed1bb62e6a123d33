#include "api/object_meta.h"

#include <google/protobuf/descriptor.h>

namespace gantry::api {

const ObjectMeta& MetaOf(const google::protobuf::Message& object) {
  const auto* field = object.GetDescriptor()->FindFieldByNumber(1);
  return static_cast<const ObjectMeta&>(object.GetReflection()->GetMessage(object, field));
}

ObjectMeta* MutableMetaOf(google::protobuf::Message* object) {
  const auto* field = object->GetDescriptor()->FindFieldByNumber(1);
  return static_cast<ObjectMeta*>(object->GetReflection()->MutableMessage(object, field));
}

}  // namespace gantry::api
