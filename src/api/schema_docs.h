// The comments of the API's .proto files, which are its documentation: the
// build embeds the schema's descriptor set with source info, and the OpenAPI
// documents (kubectl explain) take their descriptions from here.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>

namespace gantry::api {

// The comment above the message (or the field), without comment markers;
// empty when it has none.
std::string DescriptionOf(const google::protobuf::Descriptor& message);
std::string DescriptionOf(const google::protobuf::FieldDescriptor& field);

}  // namespace gantry::api
