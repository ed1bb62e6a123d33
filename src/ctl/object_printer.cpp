#include "ctl/object_printer.h"

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

#include "api/yaml_json.h"

namespace gantry::ctl {
namespace {

using nlohmann::json;

// As kubectl prints objects: managedFields only when asked for.
void HideManagedFields(json& object) {
  if (object.contains("metadata") && object["metadata"].is_object()) object["metadata"].erase("managedFields");
  if (object.contains("items") && object["items"].is_array()) {
    for (json& item : object["items"]) HideManagedFields(item);
  }
}

std::string NameOf(const api::KindInfo& kind, const json& object) {
  // Items of a list over several kinds (podgroups) name their own.
  const api::KindInfo* own = api::FindKindByApiVersion(object.value("apiVersion", ""), object.value("kind", ""));
  const api::KindInfo& k = own != nullptr ? *own : kind;
  return absl::StrCat(absl::AsciiStrToLower(k.kind), k.group.empty() ? "" : absl::StrCat(".", k.group), "/",
                      object["metadata"].value("name", ""));
}

bool IsList(const json& object) { return object.contains("items") && object["items"].is_array(); }

// kubectl takes a bare path (.metadata.name) as well as a braced one.
std::string Braced(absl::string_view path) {
  return absl::StartsWith(path, "{") ? std::string(path) : absl::StrCat("{", path, "}");
}

}  // namespace

absl::Status CheckOutputFormat(const std::string& output) {
  if (output.empty() || output == "wide" || output == "yaml" || output == "json" || output == "name" ||
      absl::StartsWith(output, "jsonpath=") || absl::StartsWith(output, "custom-columns=")) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("error: unable to match a printer suitable for the output format \"",
                                                 output, "\", allowed formats are: custom-columns, json, jsonpath, "
                                                 "name, wide, yaml"));
}

absl::StatusOr<ObjectPrinter> ObjectPrinter::ForFormat(const std::string& output, bool show_managed_fields) {
  if (auto s = CheckOutputFormat(output); !s.ok()) return s;
  absl::string_view rest = output;
  if (absl::ConsumePrefix(&rest, "jsonpath=")) {
    auto path = JsonPath::Parse(rest);
    if (!path.ok()) return path.status();
    ObjectPrinter printer(Format::kJsonPath, show_managed_fields);
    printer.template_ = *std::move(path);
    return printer;
  }
  if (absl::ConsumePrefix(&rest, "custom-columns=")) {
    ObjectPrinter printer(Format::kCustomColumns, show_managed_fields);
    for (absl::string_view column : absl::StrSplit(rest, ',')) {
      std::vector<absl::string_view> parts = absl::StrSplit(column, absl::MaxSplits(':', 1));
      if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "error: custom-columns format specified, but found no HEADER:PATH in \"", column,
            "\" (e.g. -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName)"));
      }
      auto path = JsonPath::Parse(Braced(parts[1]));
      if (!path.ok()) return path.status();
      printer.headers_.emplace_back(parts[0]);
      printer.columns_.push_back(*std::move(path));
    }
    TableStyle style;
    style.keep_header_case = true;
    printer.table_.emplace(std::move(style));
    return printer;
  }
  Format format = output == "json" ? Format::kJson : output == "name" ? Format::kName : Format::kYaml;
  return ObjectPrinter(format, show_managed_fields);
}

void ObjectPrinter::PrintColumns(const json& object, std::ostream& out) {
  json table = {{"columnDefinitions", json::array()}, {"rows", json::array()}};
  for (const std::string& header : headers_) table["columnDefinitions"].push_back({{"name", header}});
  auto add_row = [&](const json& item) {
    json cells = json::array();
    for (const JsonPath& column : columns_) {
      std::vector<std::string> texts;
      for (const json* value : column.Select(item)) texts.push_back(JsonPathValueText(*value));
      cells.push_back(texts.empty() ? json("<none>") : json(absl::StrJoin(texts, ",")));
    }
    table["rows"].push_back({{"cells", std::move(cells)}});
  };
  if (IsList(object)) {
    for (const json& item : object["items"]) add_row(item);
  } else {
    add_row(object);
  }
  table_->Add(table);
  table_->Flush(out);
}

void ObjectPrinter::Print(const api::KindInfo& kind, json object, std::ostream& out) {
  if (!show_managed_fields_) HideManagedFields(object);
  switch (format_) {
    case Format::kJson:
      out << object.dump(4) << "\n";
      break;
    case Format::kYaml:
      out << api::ToYaml(object);
      break;
    case Format::kName:
      if (IsList(object)) {
        for (const json& item : object["items"]) out << NameOf(kind, item) << "\n";
      } else {
        out << NameOf(kind, object) << "\n";
      }
      break;
    case Format::kJsonPath:
      out << template_->Execute(object);
      break;
    case Format::kCustomColumns:
      PrintColumns(object, out);
      break;
  }
  out.flush();
}

}  // namespace gantry::ctl
