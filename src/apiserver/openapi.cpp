#include "apiserver/openapi.h"

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/descriptor.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <vector>

#include "api/json_codec.h"
#include "api/kinds.h"
#include "api/patch.h"
#include "api/schema_docs.h"
#include "meta.pb.h"

namespace gantry::apiserver {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

// OpenAPI v2 refers to a schema directly; v3 (as Kubernetes writes it) wraps
// the reference in allOf so that a description can stand beside it.
enum class Dialect { kV2, kV3 };

constexpr char kApiVersionDescription[] =
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert "
    "recognized schemas to the latest internal value, and may reject unrecognized values.";
constexpr char kKindDescription[] =
    "Kind is a string value representing the REST resource this object represents. Servers may infer this "
    "from the endpoint the client submits requests to. Cannot be updated. In CamelCase.";

json Reference(const Descriptor& message, Dialect dialect, const std::string& description) {
  std::string target = absl::StrCat(dialect == Dialect::kV2 ? "#/definitions/" : "#/components/schemas/",
                                    message.full_name());
  json schema = json::object();
  if (dialect == Dialect::kV2) {
    schema["$ref"] = target;
  } else {
    schema["allOf"] = json::array({json{{"$ref", target}}});
  }
  if (!description.empty()) schema["description"] = description;
  return schema;
}

json ScalarSchema(const FieldDescriptor& field) {
  if (api::IsEmbeddedJson(&field)) return {{"type", "object"}};
  if (api::IsIntOrString(&field)) return {{"x-kubernetes-int-or-string", true}};
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      return {{"type", "boolean"}};
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
      return {{"type", "integer"}, {"format", "int32"}};
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      return {{"type", "integer"}, {"format", "int64"}};
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return {{"type", "number"}, {"format", "double"}};
    case FieldDescriptor::CPPTYPE_FLOAT:
      return {{"type", "number"}, {"format", "float"}};
    default:
      return {{"type", "string"}};
  }
}

// One value of the field: a message's reference, or a scalar.
json ValueSchema(const FieldDescriptor& field, Dialect dialect, const std::string& description) {
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return Reference(*field.message_type(), dialect, description);
  }
  json schema = ScalarSchema(field);
  if (!description.empty()) schema["description"] = description;
  return schema;
}

// How kubectl and server-side apply merge a list: by key, as a set, or
// whole (atomic).
void AddListSemantics(const FieldDescriptor& field, json& schema) {
  const std::string& name = field.json_name();
  if (const char* key = api::MergeKeyOf(name); key != nullptr) {
    schema["x-kubernetes-patch-merge-key"] = key;
    schema["x-kubernetes-patch-strategy"] = "merge";
    schema["x-kubernetes-list-type"] = "map";
    schema["x-kubernetes-list-map-keys"] = json::array({key});
  } else if (api::IsMergedPrimitiveList(name)) {
    schema["x-kubernetes-patch-strategy"] = "merge";
    schema["x-kubernetes-list-type"] = "set";
  } else {
    schema["x-kubernetes-list-type"] = "atomic";
  }
}

json FieldSchema(const FieldDescriptor& field, Dialect dialect) {
  std::string description = api::DescriptionOf(field);
  if (field.is_map()) {
    json schema = {{"type", "object"},
                   {"additionalProperties", ValueSchema(*field.message_type()->map_value(), dialect, "")}};
    if (!description.empty()) schema["description"] = description;
    return schema;
  }
  if (field.is_repeated()) {
    json schema = {{"type", "array"}, {"items", ValueSchema(field, dialect, "")}};
    if (!description.empty()) schema["description"] = description;
    AddListSemantics(field, schema);
    return schema;
  }
  return ValueSchema(field, dialect, description);
}

json GroupVersionKind(const api::KindInfo& kind) {
  return {{"group", kind.group}, {"version", kind.version}, {"kind", kind.kind}};
}

// `kind` is set for the message that is a kind's object.
json MessageSchema(const Descriptor& message, Dialect dialect, const api::KindInfo* kind) {
  json schema = {{"type", "object"}};
  if (std::string description = api::DescriptionOf(message); !description.empty()) {
    schema["description"] = description;
  }
  json properties = json::object();
  json required = json::array();
  if (kind != nullptr) {
    properties["apiVersion"] = {{"type", "string"}, {"description", kApiVersionDescription}};
    properties["kind"] = {{"type", "string"}, {"description", kKindDescription}};
    schema["x-kubernetes-group-version-kind"] = json::array({GroupVersionKind(*kind)});
  }
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    properties[field.json_name()] = FieldSchema(field, dialect);
    if (field.options().GetExtension(api::required)) required.push_back(field.json_name());
  }
  schema["properties"] = std::move(properties);
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}

// `message` and every message its fields reach, by full name.
void CollectMessages(const Descriptor& message, std::map<std::string, const Descriptor*>& out) {
  if (!out.emplace(message.full_name(), &message).second) return;
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const FieldDescriptor& value = field.is_map() ? *field.message_type()->map_value() : field;
    if (value.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) CollectMessages(*value.message_type(), out);
  }
}

json ListSchema(const api::KindInfo& kind, Dialect dialect) {
  api::KindInfo list_kind = kind;
  std::string list_name = kind.ListKind();
  list_kind.kind = list_name;
  json items = {{"type", "array"}, {"items", Reference(*kind.prototype->GetDescriptor(), dialect, "")},
                {"description", absl::StrCat("The ", kind.kind, " objects.")}};
  return {{"type", "object"},
          {"description", absl::StrCat("A list of ", kind.kind, " objects.")},
          {"required", json::array({"items"})},
          {"x-kubernetes-group-version-kind", json::array({GroupVersionKind(list_kind)})},
          {"properties",
           {{"apiVersion", {{"type", "string"}, {"description", kApiVersionDescription}}},
            {"kind", {{"type", "string"}, {"description", kKindDescription}}},
            {"metadata",
             {{"type", "object"},
              {"description", "The list's resourceVersion, and the continue token of a paged list."},
              {"properties", {{"resourceVersion", {{"type", "string"}}}, {"continue", {{"type", "string"}}}}}}},
            {"items", items}}}};
}

std::string GroupVersionPath(const api::KindInfo& kind) {
  return kind.group.empty() ? absl::StrCat("api/", kind.version)
                            : absl::StrCat("apis/", kind.group, "/", kind.version);
}

// "scheduling.x-k8s.io" -> "SchedulingXK8sIo": operation ids are unique per
// group, as Kubernetes' are.
std::string CamelGroup(const api::KindInfo& kind) {
  if (kind.group.empty()) return "Core";
  std::string out;
  for (absl::string_view part : absl::StrSplit(kind.group, absl::ByAnyChar(".-"), absl::SkipEmpty())) {
    out += absl::AsciiStrToUpper(part.substr(0, 1));
    out.append(part.data() + 1, part.size() - 1);
  }
  return out;
}

json QueryParameter(const char* name, const char* description, const char* type = "string") {
  return {{"name", name}, {"in", "query"}, {"description", description}, {"schema", {{"type", type}}}};
}

json PathParameter(const char* name, const char* description) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"description", description},
          {"schema", {{"type", "string"}}}};
}

json WriteParameters(bool patch) {
  json parameters = json::array({
      QueryParameter("dryRun", "When present (All), the request is validated and admitted but nothing is stored."),
      QueryParameter("fieldManager", "The name of the actor making the change, recorded in managedFields."),
      QueryParameter("fieldValidation",
                     "What to do with fields the schema does not know: Ignore, Warn (the default) or Strict "
                     "(the request fails)."),
  });
  if (patch) {
    parameters.push_back(QueryParameter(
        "force", "Server-side apply only: take the fields other managers own instead of failing.", "boolean"));
  }
  return parameters;
}

json JsonContent(const json& schema) {
  return {{"application/json", {{"schema", schema}}}, {"application/yaml", {{"schema", schema}}}};
}

json Operation(const api::KindInfo& kind, const std::string& verb, const std::string& action,
               const std::string& description, const json& response_schema, bool namespaced) {
  std::string id = absl::StrCat(verb, CamelGroup(kind), absl::AsciiStrToUpper(kind.version.substr(0, 1)),
                                kind.version.substr(1), namespaced ? "Namespaced" : "", kind.kind);
  return {{"operationId", id},
          {"description", description},
          {"tags", json::array({GroupVersionPath(kind)})},
          {"x-kubernetes-action", action},
          {"x-kubernetes-group-version-kind", GroupVersionKind(kind)},
          {"responses", {{"200", {{"description", "OK"}, {"content", JsonContent(response_schema)}}},
                         {"401", {{"description", "Unauthorized"}}}}}};
}

json WriteOperation(json operation, const json& body_schema, bool patch) {
  operation["parameters"] = WriteParameters(patch);
  json content = json::object();
  if (patch) {
    for (const char* type : {"application/json-patch+json", "application/merge-patch+json",
                             "application/strategic-merge-patch+json", "application/apply-patch+yaml"}) {
      content[type] = {{"schema", {{"type", "object"}}}};
    }
  } else {
    content = JsonContent(body_schema);
  }
  operation["requestBody"] = {{"required", true}, {"content", std::move(content)}};
  return operation;
}

// The collection and item paths of `kind`, with the operations gantry serves.
void AddPaths(const api::KindInfo& kind, json& paths) {
  const std::string base = absl::StrCat("/", GroupVersionPath(kind));
  const std::string collection =
      kind.namespaced ? absl::StrCat(base, "/namespaces/{namespace}/", kind.resource) : absl::StrCat(base, "/", kind.resource);
  const std::string item = absl::StrCat(collection, "/{name}");
  const json object = Reference(*kind.prototype->GetDescriptor(), Dialect::kV3, "");
  const json list = {{"$ref", absl::StrCat("#/components/schemas/", kind.prototype->GetDescriptor()->full_name(), "List")}};
  const json status = {{"type", "object"}, {"description", "A Status object."}};
  const bool ns = kind.namespaced;
  const std::string k(kind.kind);

  json namespace_parameter = json::array();
  if (ns) namespace_parameter.push_back(PathParameter("namespace", "The object's namespace."));
  json item_parameters = namespace_parameter;
  item_parameters.push_back(PathParameter("name", absl::StrCat("The ", k, "'s name.").c_str()));

  json& collection_path = paths[collection];
  collection_path["parameters"] = namespace_parameter;
  collection_path["get"] = Operation(kind, "list", "list", absl::StrCat("list or watch objects of kind ", k), list, ns);
  collection_path["post"] =
      WriteOperation(Operation(kind, "create", "post", absl::StrCat("create a ", k), object, ns), object, false);
  json& item_path = paths[item];
  item_path["parameters"] = item_parameters;
  item_path["get"] = Operation(kind, "read", "get", absl::StrCat("read the specified ", k), object, ns);
  item_path["put"] =
      WriteOperation(Operation(kind, "replace", "put", absl::StrCat("replace the specified ", k), object, ns), object, false);
  item_path["patch"] =
      WriteOperation(Operation(kind, "patch", "patch", absl::StrCat("partially update the specified ", k), object, ns),
                     object, true);
  item_path["delete"] = Operation(kind, "delete", "delete", absl::StrCat("delete a ", k), status, ns);
  if (ns) {
    paths[absl::StrCat(base, "/", kind.resource)]["get"] =
        Operation(kind, "list", "list", absl::StrCat("list or watch objects of kind ", k, " in every namespace"), list, false);
  }
}

// The schemas of `kinds`: their objects, lists, and every message they reach.
json Schemas(const std::vector<const api::KindInfo*>& kinds, Dialect dialect) {
  std::map<std::string, const Descriptor*> messages;
  std::map<std::string, const api::KindInfo*> kind_of;
  for (const api::KindInfo* kind : kinds) {
    CollectMessages(*kind->prototype->GetDescriptor(), messages);
    kind_of[kind->prototype->GetDescriptor()->full_name()] = kind;
  }
  json schemas = json::object();
  for (const auto& [name, message] : messages) {
    auto kind = kind_of.find(name);
    schemas[name] = MessageSchema(*message, dialect, kind == kind_of.end() ? nullptr : kind->second);
  }
  for (const api::KindInfo* kind : kinds) {
    schemas[absl::StrCat(kind->prototype->GetDescriptor()->full_name(), "List")] = ListSchema(*kind, dialect);
  }
  return schemas;
}

json Info() { return {{"title", "gantry"}, {"version", GANTRY_VERSION}}; }

std::string ContentHash(const std::string& document) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(document.data()), document.size(), digest);
  std::string hex;
  for (unsigned char byte : digest) absl::StrAppend(&hex, absl::Hex(byte, absl::kZeroPad2));
  return absl::AsciiStrToUpper(hex);
}

}  // namespace

const OpenApiDocuments& OpenApiDocuments::Get() {
  static const OpenApiDocuments documents;
  return documents;
}

const std::string* OpenApiDocuments::V3Document(absl::string_view group_version_path) const {
  auto it = v3_documents_.find(group_version_path);
  return it == v3_documents_.end() ? nullptr : &it->second;
}

OpenApiDocuments::OpenApiDocuments() {
  std::map<std::string, std::vector<const api::KindInfo*>> by_group_version;
  std::vector<const api::KindInfo*> all;
  for (const api::KindInfo& kind : api::AllKinds()) {
    by_group_version[GroupVersionPath(kind)].push_back(&kind);
    all.push_back(&kind);
  }
  json index_paths = json::object();
  for (const auto& [path, kinds] : by_group_version) {
    json paths = json::object();
    for (const api::KindInfo* kind : kinds) AddPaths(*kind, paths);
    json document = {{"openapi", "3.0.0"},
                     {"info", Info()},
                     {"paths", std::move(paths)},
                     {"components", {{"schemas", Schemas(kinds, Dialect::kV3)}}}};
    std::string text = document.dump();
    index_paths[path] = {{"serverRelativeURL", absl::StrCat("/openapi/v3/", path, "?hash=", ContentHash(text))}};
    v3_documents_.emplace(path, std::move(text));
  }
  v3_index_ = json{{"paths", std::move(index_paths)}}.dump();
  v2_document_ = json{{"swagger", "2.0"},
                      {"info", Info()},
                      {"paths", json::object()},
                      {"definitions", Schemas(all, Dialect::kV2)}}
                     .dump();
}

}  // namespace gantry::apiserver
