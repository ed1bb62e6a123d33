#include "api/json_codec.h"

#include <absl/container/node_hash_map.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/synchronization/mutex.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <cmath>
#include <limits>

#include "api/errors.h"
#include "meta.pb.h"

namespace gantry::api {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using nlohmann::json;

std::string Join(const std::string& path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}

const FieldDescriptor* FieldByJsonName(const Descriptor* d, absl::string_view name) {
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == name) return d->field(i);
  }
  return nullptr;
}

// Kubernetes quantities unmarshal from JSON numbers as well as strings.
bool IsQuantityMap(const FieldDescriptor* f) {
  const std::string& n = f->name();
  return n == "requests" || n == "limits" || n == "capacity" || n == "allocatable";
}

std::string NumberToString(const json& v) {
  if (v.is_number_integer()) return v.is_number_unsigned() ? std::to_string(v.get<uint64_t>())
                                                            : std::to_string(v.get<int64_t>());
  double d = v.get<double>();
  if (std::floor(d) == d && std::fabs(d) < 9e15) return std::to_string(static_cast<int64_t>(d));
  std::string s = json(d).dump();
  return s;
}

absl::Status TypeError(const std::string& path, absl::string_view want, const json& got) {
  return BadRequestError(absl::StrCat("json: cannot unmarshal ", got.type_name(), " into field ",
                                      path, " of type ", want));
}

absl::Status RangeError(const std::string& path, const json& got, int64_t lo, int64_t hi) {
  return InvalidError("", "", {InvalidCause(path, got.dump(), absl::StrCat("must be between ", lo, " and ", hi))});
}

absl::StatusOr<int64_t> ToInt(const json& v, const std::string& path, int64_t lo, int64_t hi) {
  int64_t n = 0;
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(hi)) return RangeError(path, v, lo, hi);
    n = static_cast<int64_t>(v.get<uint64_t>());
  } else if (v.is_number_integer()) {
    n = v.get<int64_t>();
  } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
    double d = v.get<double>();
    // 2^63 is exactly representable; anything at or beyond it would not cast.
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return RangeError(path, v, lo, hi);
    n = static_cast<int64_t>(d);
  } else {
    return TypeError(path, "integer", v);
  }
  if (n < lo || n > hi) return RangeError(path, v, lo, hi);
  return n;
}

absl::Status DecodeMessage(const json& in, Message* out, const std::string& path,
                           std::vector<std::string>* unknown, bool top_level);

absl::Status DecodeScalar(const json& v, Message* out, const FieldDescriptor* f,
                          const std::string& path, bool repeated) {
  const Reflection* r = out->GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s;
      if (v.is_string()) {
        s = v.get<std::string>();
      } else if (v.is_object() && IsEmbeddedJson(f)) {
        s = v.dump();
      } else if (v.is_number_integer() && IsIntOrString(f)) {
        s = NumberToString(v);
      } else {
        return TypeError(path, "string", v);
      }
      repeated ? r->AddString(out, f, std::move(s)) : r->SetString(out, f, std::move(s));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (!v.is_boolean()) return TypeError(path, "bool", v);
      repeated ? r->AddBool(out, f, v.get<bool>()) : r->SetBool(out, f, v.get<bool>());
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      auto n = ToInt(v, path, std::numeric_limits<int32_t>::min(),
                     std::numeric_limits<int32_t>::max());
      if (!n.ok()) return n.status();
      repeated ? r->AddInt32(out, f, static_cast<int32_t>(*n))
               : r->SetInt32(out, f, static_cast<int32_t>(*n));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      auto n = ToInt(v, path, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max());
      if (!n.ok()) return n.status();
      repeated ? r->AddInt64(out, f, *n) : r->SetInt64(out, f, *n);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      if (!v.is_number()) return TypeError(path, "number", v);
      repeated ? r->AddDouble(out, f, v.get<double>()) : r->SetDouble(out, f, v.get<double>());
      return absl::OkStatus();
    }
    default:
      return BadRequestError(absl::StrCat(path, ": unsupported field type"));
  }
}

absl::Status DecodeMap(const json& v, Message* out, const FieldDescriptor* f,
                       const std::string& path) {
  if (!v.is_object()) return TypeError(path, "map", v);
  const Reflection* r = out->GetReflection();
  const Descriptor* entry = f->message_type();
  const FieldDescriptor* key_field = entry->map_key();
  const FieldDescriptor* value_field = entry->map_value();
  for (const auto& [key, value] : v.items()) {
    if (value.is_null()) continue;
    std::string item_path = absl::StrCat(path, "[", key, "]");
    std::string str;
    if (value.is_string()) {
      str = value.get<std::string>();
    } else if (value.is_number() && IsQuantityMap(f)) {
      str = NumberToString(value);
    } else {
      return TypeError(item_path, "string", value);
    }
    Message* e = r->AddMessage(out, f);
    e->GetReflection()->SetString(e, key_field, key);
    e->GetReflection()->SetString(e, value_field, std::move(str));
  }
  return absl::OkStatus();
}

absl::Status DecodeField(const json& v, Message* out, const FieldDescriptor* f,
                         const std::string& path, std::vector<std::string>* unknown) {
  const Reflection* r = out->GetReflection();
  if (f->is_map()) return DecodeMap(v, out, f, path);
  if (f->is_repeated()) {
    if (!v.is_array()) return TypeError(path, "array", v);
    for (size_t i = 0; i < v.size(); ++i) {
      std::string item_path = absl::StrCat(path, "[", i, "]");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (!v[i].is_object()) return TypeError(item_path, "object", v[i]);
        absl::Status s = DecodeMessage(v[i], r->AddMessage(out, f), item_path, unknown, false);
        if (!s.ok()) return s;
      } else {
        absl::Status s = DecodeScalar(v[i], out, f, item_path, true);
        if (!s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!v.is_object()) return TypeError(path, "object", v);
    return DecodeMessage(v, r->MutableMessage(out, f), path, unknown, false);
  }
  return DecodeScalar(v, out, f, path, false);
}

absl::Status DecodeMessage(const json& in, Message* out, const std::string& path,
                           std::vector<std::string>* unknown, bool top_level) {
  const Descriptor* d = out->GetDescriptor();
  for (const auto& [key, value] : in.items()) {
    if (top_level && (key == "apiVersion" || key == "kind")) continue;
    const FieldDescriptor* f = FieldByJsonName(d, key);
    std::string field_path = Join(path, key);
    if (f == nullptr) {
      if (unknown != nullptr) unknown->push_back(field_path);
      continue;
    }
    if (value.is_null()) continue;
    absl::Status s = DecodeField(value, out, f, field_path, unknown);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

bool IsManagedFields(const FieldDescriptor* f) {
  static const FieldDescriptor* const kManagedFields = ObjectMeta::descriptor()->FindFieldByName("managed_fields");
  return f == kManagedFields;
}

json EncodeScalar(const Message& m, const FieldDescriptor* f, int index, bool with_managed_fields) {
  const Reflection* r = m.GetReflection();
  bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (IsEmbeddedJson(f)) {
        json embedded = json::parse(r->GetString(m, f), nullptr, false);
        return embedded.is_object() ? embedded : json::object();
      }
      if (IsIntOrString(f)) {
        const std::string& text = r->GetString(m, f);
        if (int64_t n = 0; absl::SimpleAtoi(text, &n)) return n;
        return text;
      }
      return rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return EncodeJson(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), with_managed_fields);
    default:
      return nullptr;
  }
}

// The fields of `d` marked (required): encoded even when unset. Computed once
// per message type; the map's nodes never move, so a reference outlives the lock.
const std::vector<const FieldDescriptor*>& RequiredFields(const Descriptor* d) {
  static absl::Mutex mu;
  static auto* by_type = new absl::node_hash_map<const Descriptor*, std::vector<const FieldDescriptor*>>();
  {
    absl::ReaderMutexLock lock(&mu);
    if (auto it = by_type->find(d); it != by_type->end()) return it->second;
  }
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->options().GetExtension(required)) fields.push_back(d->field(i));
  }
  absl::MutexLock lock(&mu);
  return by_type->try_emplace(d, std::move(fields)).first->second;
}

}  // namespace

bool IsEmbeddedJson(const FieldDescriptor* f) {
  static const FieldDescriptor* const kFieldsV1 = ManagedFieldsEntry::descriptor()->FindFieldByName("fields_v1");
  return f == kFieldsV1;
}

bool IsIntOrString(const FieldDescriptor* f) { return f->options().GetExtension(int_or_string); }

absl::Status DecodeJson(const json& in, Message* out, std::vector<std::string>* unknown_fields) {
  if (!in.is_object()) return TypeError("object", "object", in);
  return DecodeMessage(in, out, "", unknown_fields, true);
}

json EncodeJson(const Message& message, bool with_managed_fields) {
  json out = json::object();
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* f : fields) {
    if (!with_managed_fields && IsManagedFields(f)) continue;
    if (f->is_map()) {
      json map = json::object();
      const FieldDescriptor* key_field = f->message_type()->map_key();
      const FieldDescriptor* value_field = f->message_type()->map_value();
      for (int i = 0; i < r->FieldSize(message, f); ++i) {
        const Message& e = r->GetRepeatedMessage(message, f, i);
        map[e.GetReflection()->GetString(e, key_field)] = e.GetReflection()->GetString(e, value_field);
      }
      out[f->json_name()] = std::move(map);
    } else if (f->is_repeated()) {
      json arr = json::array();
      for (int i = 0; i < r->FieldSize(message, f); ++i) arr.push_back(EncodeScalar(message, f, i, with_managed_fields));
      out[f->json_name()] = std::move(arr);
    } else {
      out[f->json_name()] = EncodeScalar(message, f, -1, with_managed_fields);
    }
  }
  for (const FieldDescriptor* f : RequiredFields(message.GetDescriptor())) {
    if (out.contains(f->json_name())) continue;
    out[f->json_name()] = f->is_repeated() ? json::array() : EncodeScalar(message, f, -1, with_managed_fields);
  }
  return out;
}

json EncodeObject(const KindInfo& kind, const Message& object, bool with_managed_fields) {
  json out = EncodeJson(object, with_managed_fields);
  out["apiVersion"] = kind.ApiVersion();
  out["kind"] = std::string(kind.kind);
  return out;
}

absl::Status DecodeObject(const KindInfo& kind, const json& in, Message* out,
                          std::vector<std::string>* unknown_fields) {
  if (!in.is_object()) return BadRequestError("the body must be a JSON or YAML object");
  if (in.contains("kind") && in["kind"].is_string() && in["kind"] != std::string(kind.kind)) {
    return BadRequestError(absl::StrCat("the body is a ", in["kind"].get<std::string>(),
                                        ", not a ", kind.kind));
  }
  if (in.contains("apiVersion") && in["apiVersion"].is_string() &&
      in["apiVersion"].get<std::string>() != kind.ApiVersion()) {
    return BadRequestError(absl::StrCat("apiVersion ", in["apiVersion"].get<std::string>(),
                                        " does not serve kind ", kind.kind, " (want ",
                                        kind.ApiVersion(), ")"));
  }
  return DecodeJson(in, out, unknown_fields);
}

}  // namespace gantry::api
