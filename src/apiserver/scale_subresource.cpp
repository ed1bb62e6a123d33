#include "apiserver/scale_subresource.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "api/errors.h"
#include "api/object_meta.h"
#include "meta.pb.h"

namespace gantry::apiserver {
namespace {

using google::protobuf::Message;
using nlohmann::json;

const Message& SubMessage(const Message& m, const char* name) {
  return m.GetReflection()->GetMessage(m, m.GetDescriptor()->FindFieldByName(name));
}

int32_t Int32Field(const Message& m, const char* name) {
  return m.GetReflection()->GetInt32(m, m.GetDescriptor()->FindFieldByName(name));
}

// A LabelSelector in the string syntax (`app=web,tier in (a,b)`).
std::string SelectorText(const api::LabelSelector& selector) {
  std::vector<std::string> parts;
  std::map<std::string, std::string> sorted(selector.match_labels().begin(), selector.match_labels().end());
  for (const auto& [key, value] : sorted) parts.push_back(absl::StrCat(key, "=", value));
  for (const auto& r : selector.match_expressions()) {
    std::string values = absl::StrJoin(r.values(), ",");
    if (r.operator_() == "In") parts.push_back(absl::StrCat(r.key(), " in (", values, ")"));
    if (r.operator_() == "NotIn") parts.push_back(absl::StrCat(r.key(), " notin (", values, ")"));
    if (r.operator_() == "Exists") parts.push_back(r.key());
    if (r.operator_() == "DoesNotExist") parts.push_back(absl::StrCat("!", r.key()));
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace

bool HasScaleSubresource(const api::KindInfo& kind) {
  return kind.group == "apps" && (kind.kind == "Deployment" || kind.kind == "ReplicaSet");
}

json ScaleOf(const Message& object) {
  const api::ObjectMeta& meta = api::MetaOf(object);
  const Message& spec = SubMessage(object, "spec");
  json metadata = {{"name", meta.name()},
                   {"namespace", meta.namespace_()},
                   {"uid", meta.uid()},
                   {"resourceVersion", meta.resource_version()},
                   {"creationTimestamp", meta.creation_timestamp()}};
  return {{"apiVersion", "autoscaling/v1"},
          {"kind", "Scale"},
          {"metadata", std::move(metadata)},
          {"spec", {{"replicas", Int32Field(spec, "replicas")}}},
          {"status",
           {{"replicas", Int32Field(SubMessage(object, "status"), "replicas")},
            {"selector", SelectorText(static_cast<const api::LabelSelector&>(SubMessage(spec, "selector")))}}}};
}

absl::StatusOr<std::unique_ptr<Message>> Rescaled(const Message& object, const json& scale) {
  const json* replicas = nullptr;
  if (scale.is_object() && scale.contains("spec") && scale["spec"].is_object() && scale["spec"].contains("replicas")) {
    replicas = &scale["spec"]["replicas"];
  }
  if (replicas == nullptr || !replicas->is_number_integer() || replicas->get<int64_t>() < 0 ||
      replicas->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
    return api::InvalidError("Scale", api::MetaOf(object).name(),
                             {api::InvalidCause("spec.replicas", replicas ? replicas->dump() : "",
                                                "must be a non-negative integer")});
  }
  std::unique_ptr<Message> out(object.New());
  out->CopyFrom(object);
  Message* spec = out->GetReflection()->MutableMessage(out.get(), out->GetDescriptor()->FindFieldByName("spec"));
  spec->GetReflection()->SetInt32(spec, spec->GetDescriptor()->FindFieldByName("replicas"),
                                  static_cast<int32_t>(replicas->get<int64_t>()));
  const json& metadata = scale.value("metadata", json::object());
  if (metadata.is_object() && metadata.contains("resourceVersion") && metadata["resourceVersion"].is_string()) {
    api::MutableMetaOf(out.get())->set_resource_version(metadata["resourceVersion"].get<std::string>());
  }
  return out;
}

}  // namespace gantry::apiserver
