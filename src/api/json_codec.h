// Kubernetes-shaped JSON <-> protobuf, driven by reflection over the schema in
// src/api/proto. Unlike protobuf's own JSON mapping this prints int64 as JSON
// numbers, accepts numbers for quantities, and reports unknown fields by path
// instead of failing on them.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "api/kinds.h"

namespace gantry::api {

// A string field that holds a JSON object's text and is a JSON object on the
// wire (ManagedFieldsEntry.fieldsV1).
bool IsEmbeddedJson(const google::protobuf::FieldDescriptor* field);
// A string field marked (int_or_string): Kubernetes' IntOrString.
bool IsIntOrString(const google::protobuf::FieldDescriptor* field);

// Fills `out` from `in`. Type mismatches are BadRequest errors naming the
// field path; unknown fields are appended to `unknown_fields` (as paths) and
// skipped. At the top level "apiVersion" and "kind" are not fields.
absl::Status DecodeJson(const nlohmann::json& in, google::protobuf::Message* out,
                        std::vector<std::string>* unknown_fields);

// Encodes the set fields of `message`; metadata.managedFields only when
// `with_managed_fields` (writes that record ownership need no copy of it).
nlohmann::json EncodeJson(const google::protobuf::Message& message, bool with_managed_fields = true);

// EncodeJson plus apiVersion and kind.
nlohmann::json EncodeObject(const KindInfo& kind, const google::protobuf::Message& object,
                            bool with_managed_fields = true);

// Decodes a whole object of `kind`, checking that apiVersion/kind (when
// present) name that kind.
absl::Status DecodeObject(const KindInfo& kind, const nlohmann::json& in,
                          google::protobuf::Message* out, std::vector<std::string>* unknown_fields);

}  // namespace gantry::api
