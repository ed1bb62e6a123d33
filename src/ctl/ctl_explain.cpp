// explain: a kind's (or one of its fields') documentation, read from the
// server's OpenAPI v3 documents as kubectl explain reads them.
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>

#include <algorithm>
#include <iostream>
#include <set>

#include "ctl/ctl_command.h"

namespace gantry::ctl {
namespace {

using nlohmann::json;

constexpr int kMaxRecursiveDepth = 12;

struct Target {
  const api::KindInfo* kind = nullptr;
  std::vector<std::string> fields;
};

// "pod.spec.containers" or "podgroups.scheduling.x-k8s.io": the longest
// prefix that names a resource is the resource, the rest are fields.
absl::StatusOr<Target> ParseTarget(const std::string& arg, const std::string& api_version) {
  std::vector<std::string> parts = absl::StrSplit(arg, '.');
  for (size_t n = parts.size(); n > 0; --n) {
    const api::KindInfo* kind = api::FindKindByUserName(absl::StrJoin(parts.begin(), parts.begin() + n, "."));
    if (kind == nullptr) continue;
    if (!api_version.empty()) {
      kind = api::FindKindByApiVersion(api_version, kind->kind);
      if (kind == nullptr) {
        return absl::NotFoundError(absl::StrCat("error: ", parts[0], " is not served in ", api_version));
      }
    }
    return Target{kind, std::vector<std::string>(parts.begin() + n, parts.end())};
  }
  return absl::NotFoundError(absl::StrCat("error: the server doesn't have a resource type \"", parts[0], "\""));
}

class SchemaDocument {
 public:
  explicit SchemaDocument(json document) : document_(std::move(document)) {}

  const json* KindSchema(const api::KindInfo& kind) const {
    for (const auto& [name, schema] : Schemas().items()) {
      for (const json& gvk : schema.value("x-kubernetes-group-version-kind", json::array())) {
        if (gvk.value("group", "") == kind.group && gvk.value("version", "") == kind.version &&
            gvk.value("kind", "") == kind.kind) {
          return &schema;
        }
      }
    }
    return nullptr;
  }

  // The schema a reference (plain or wrapped in allOf) points at; the
  // schema itself otherwise.
  const json& Resolve(const json& schema) const {
    const std::string ref = RefOf(schema);
    if (ref.empty()) return schema;
    const std::string name = ref.substr(ref.rfind('/') + 1);
    const json& schemas = Schemas();
    return schemas.contains(name) ? schemas[name] : schema;
  }

  // kubectl's names: string, integer, []Container, map[string]string, ObjectMeta.
  std::string TypeName(const json& schema) const {
    const std::string ref = RefOf(schema);
    if (!ref.empty()) return ref.substr(ref.rfind('.') + 1);
    if (schema.value("x-kubernetes-int-or-string", false)) return "IntOrString";
    const std::string type = schema.value("type", "");
    if (type == "array") return absl::StrCat("[]", TypeName(schema.value("items", json::object())));
    if (type == "object" && schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      return absl::StrCat("map[string]", TypeName(schema["additionalProperties"]));
    }
    if (type.empty() || type == "object") return "Object";
    return type;
  }

  // The object schema whose properties a field of type `schema` has
  // (through references and array items), or nullptr for a scalar.
  const json* FieldsOf(const json& schema) const {
    const json* at = &Resolve(schema);
    for (int hops = 0; at->value("type", "") == "array" && at->contains("items") && hops < 8; ++hops) {
      at = &Resolve((*at)["items"]);
    }
    return at->contains("properties") && (*at)["properties"].is_object() ? at : nullptr;
  }

 private:
  static std::string RefOf(const json& schema) {
    if (schema.contains("$ref") && schema["$ref"].is_string()) return schema["$ref"].get<std::string>();
    if (schema.contains("allOf") && schema["allOf"].is_array() && !schema["allOf"].empty() &&
        schema["allOf"][0].is_object()) {
      return schema["allOf"][0].value("$ref", "");
    }
    return "";
  }
  const json& Schemas() const {
    static const json kEmpty = json::object();
    if (!document_.contains("components") || !document_["components"].contains("schemas")) return kEmpty;
    return document_["components"]["schemas"];
  }

  json document_;
};

// Words wrapped at 80 columns, each line indented.
std::string Wrapped(const std::string& text, int indent) {
  std::string out;
  for (absl::string_view paragraph : absl::StrSplit(text, '\n')) {
    std::string line(indent, ' ');
    for (absl::string_view word : absl::StrSplit(paragraph, ' ', absl::SkipEmpty())) {
      if (line.size() > static_cast<size_t>(indent) && line.size() + 1 + word.size() > 80) {
        absl::StrAppend(&out, line, "\n");
        line.assign(indent, ' ');
      }
      absl::StrAppend(&line, line.size() > static_cast<size_t>(indent) ? " " : "", word);
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

void PrintFields(const SchemaDocument& doc, const json& object, bool recursive, int depth, std::set<const json*>& path,
                 std::ostream& out) {
  const json& properties = object["properties"];
  const json& required = object.value("required", json::array());
  for (const auto& [name, field] : properties.items()) {
    const bool is_required = std::find(required.begin(), required.end(), name) != required.end();
    out << std::string(2 * depth, ' ') << name << "\t<" << doc.TypeName(field) << ">"
        << (is_required ? " -required-" : "") << "\n";
    if (!recursive) {
      const json& resolved = doc.Resolve(field);
      std::string description = field.value("description", resolved.value("description", ""));
      if (!description.empty()) out << Wrapped(description, 4);
      out << "\n";
      continue;
    }
    const json* nested = doc.FieldsOf(field);
    if (nested != nullptr && depth < kMaxRecursiveDepth && path.insert(nested).second) {
      PrintFields(doc, *nested, recursive, depth + 1, path, out);
      path.erase(nested);
    }
  }
}

}  // namespace

void AddExplain(CLI::App& ctl, CtlOptions& o) {
  CLI::App* cmd = ctl.add_subcommand("explain", "Describe a kind's fields, from the server's OpenAPI schemas");
  cmd->fallthrough();
  cmd->add_option("resource", o.args, "TYPE or TYPE.FIELD.FIELD...")->required()->expected(1);
  cmd->add_flag("--recursive", o.explain.recursive, "Print every nested field's name and type");
  cmd->add_option("--api-version", o.explain.api_version, "GROUP/VERSION of the kind, when several serve it");
  cmd->footer(
      "Examples:\n"
      "  gantry ctl explain pods\n"
      "  gantry ctl explain pod.spec.containers\n"
      "  gantry ctl explain podgroups --api-version=scheduling.x-k8s.io/v1alpha1\n"
      "  gantry ctl explain node.status --recursive");
}

int RunExplain(const CtlOptions& o, ApiClient& client) {
  auto target = ParseTarget(o.args[0], o.explain.api_version);
  if (!target.ok()) return Fail(target.status());
  const api::KindInfo& kind = *target->kind;
  auto index = client.Call("GET", "/openapi/v3");
  if (!index.ok()) return Fail(index.status());
  const std::string key = kind.group.empty() ? "api/v1" : absl::StrCat("apis/", kind.group, "/", kind.version);
  const json& paths = (*index)["paths"];
  if (!paths.is_object() || !paths.contains(key)) {
    return Fail(absl::NotFoundError(absl::StrCat("error: the server publishes no OpenAPI document for ", key)));
  }
  auto document = client.Call("GET", paths[key].value("serverRelativeURL", "/openapi/v3/" + key));
  if (!document.ok()) return Fail(document.status());
  const SchemaDocument doc(*std::move(document));
  const json* schema = doc.KindSchema(kind);
  if (schema == nullptr) return Fail(absl::NotFoundError(absl::StrCat("error: no schema for ", kind.kind)));

  std::string field_line;
  for (const std::string& field : target->fields) {
    const json* object = doc.FieldsOf(*schema);
    if (object == nullptr || !(*object)["properties"].contains(field)) {
      return Fail(absl::NotFoundError(absl::StrCat("error: field \"", field, "\" does not exist")));
    }
    schema = &(*object)["properties"][field];
    field_line = absl::StrCat("FIELD: ", field, " <", doc.TypeName(*schema), ">\n\n");
  }
  if (!kind.group.empty()) std::cout << "GROUP:      " << kind.group << "\n";
  std::cout << "KIND:       " << kind.kind << "\n"
            << "VERSION:    " << kind.version << "\n\n"
            << field_line;
  const std::string description = schema->value("description", doc.Resolve(*schema).value("description", ""));
  std::cout << "DESCRIPTION:\n" << (description.empty() ? "    <empty>\n" : Wrapped(description, 4));
  const json* fields = doc.FieldsOf(*schema);
  if (fields != nullptr) {
    std::cout << "\nFIELDS:\n";
    std::set<const json*> path = {fields};
    PrintFields(doc, *fields, o.explain.recursive, 1, path, std::cout);
  }
  return 0;
}

}  // namespace gantry::ctl
