#include "api/kube_protobuf.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/time/time.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api/errors.h"
#include "api/utf8.h"
#include "common/time_format.h"

namespace gantry::api {
namespace {

using nlohmann::json;

// kBytesMap: map<string, bytes> (Secret data), base64 in JSON; kQuantityMap:
// map<string, resource.Quantity>; kIntOrString: intstr.IntOrString.
enum class Type { kString, kInt32, kInt64, kBool, kTime, kMessage, kStringMap, kBytesMap, kQuantityMap, kIntOrString };

struct Field {
  int number;
  const char* name;
  Type type;
  bool repeated = false;
  const char* message = nullptr;  // for kMessage
};

using Schema = std::vector<Field>;

// Field numbers from k8s.io/api and k8s.io/apimachinery generated.proto.
const absl::flat_hash_map<std::string, Schema>& Schemas() {
  static const auto* schemas = new absl::flat_hash_map<std::string, Schema>{
      {"TypeMeta", {{1, "apiVersion", Type::kString}, {2, "kind", Type::kString}}},
      {"ObjectMeta",
       {{1, "name", Type::kString}, {2, "generateName", Type::kString}, {3, "namespace", Type::kString},
        {5, "uid", Type::kString}, {6, "resourceVersion", Type::kString}, {7, "generation", Type::kInt64},
        {8, "creationTimestamp", Type::kTime}, {9, "deletionTimestamp", Type::kTime},
        {10, "deletionGracePeriodSeconds", Type::kInt64}, {11, "labels", Type::kStringMap},
        {12, "annotations", Type::kStringMap}, {13, "ownerReferences", Type::kMessage, true, "OwnerReference"},
        {14, "finalizers", Type::kString, true}}},
      {"OwnerReference",
       {{1, "kind", Type::kString}, {3, "name", Type::kString}, {4, "uid", Type::kString},
        {5, "apiVersion", Type::kString}, {6, "controller", Type::kBool}, {7, "blockOwnerDeletion", Type::kBool}}},
      {"Namespace",
       {{1, "metadata", Type::kMessage, false, "ObjectMeta"}, {2, "spec", Type::kMessage, false, "NamespaceSpec"}}},
      {"NamespaceSpec", {{1, "finalizers", Type::kString, true}}},
      {"PriorityClass",
       {{1, "metadata", Type::kMessage, false, "ObjectMeta"}, {2, "value", Type::kInt32},
        {3, "globalDefault", Type::kBool}, {4, "description", Type::kString}, {5, "preemptionPolicy", Type::kString}}},
      {"SelfSubjectAccessReview",
       {{1, "metadata", Type::kMessage, false, "ObjectMeta"},
        {2, "spec", Type::kMessage, false, "SelfSubjectAccessReviewSpec"}}},
      {"SelfSubjectAccessReviewSpec",
       {{1, "resourceAttributes", Type::kMessage, false, "ResourceAttributes"},
        {2, "nonResourceAttributes", Type::kMessage, false, "NonResourceAttributes"}}},
      {"ResourceAttributes",
       {{1, "namespace", Type::kString}, {2, "verb", Type::kString}, {3, "group", Type::kString},
        {4, "version", Type::kString}, {5, "resource", Type::kString}, {6, "subresource", Type::kString},
        {7, "name", Type::kString}}},
      {"NonResourceAttributes", {{1, "path", Type::kString}, {2, "verb", Type::kString}}},
      {"SelfSubjectRulesReview",
       {{1, "metadata", Type::kMessage, false, "ObjectMeta"},
        {2, "spec", Type::kMessage, false, "SelfSubjectRulesReviewSpec"}}},
      {"SelfSubjectRulesReviewSpec", {{1, "namespace", Type::kString}}},
      {"SelfSubjectReview", {{1, "metadata", Type::kMessage, false, "ObjectMeta"}}},
      {"DeleteOptions",
       {{1, "gracePeriodSeconds", Type::kInt64}, {2, "preconditions", Type::kMessage, false, "Preconditions"},
        {3, "orphanDependents", Type::kBool}, {4, "propagationPolicy", Type::kString},
        {5, "dryRun", Type::kString, true}}},
      {"Preconditions", {{1, "uid", Type::kString}, {2, "resourceVersion", Type::kString}}},
      {"Quantity", {{1, "string", Type::kString}}},
      // What kubectl's typed commands send: create configmap|secret|deployment|job.
      {"ConfigMap",
       {{1, "metadata", Type::kMessage, false, "ObjectMeta"}, {2, "data", Type::kStringMap},
        {3, "binaryData", Type::kBytesMap}, {4, "immutable", Type::kBool}}},
      {"Secret",
       {{1, "metadata", Type::kMessage, false, "ObjectMeta"}, {2, "data", Type::kBytesMap}, {3, "type", Type::kString},
        {4, "stringData", Type::kStringMap}, {5, "immutable", Type::kBool}}},
      {"Deployment",
       {{1, "metadata", Type::kMessage, false, "ObjectMeta"}, {2, "spec", Type::kMessage, false, "DeploymentSpec"}}},
      {"DeploymentSpec",
       {{1, "replicas", Type::kInt32}, {2, "selector", Type::kMessage, false, "LabelSelector"},
        {3, "template", Type::kMessage, false, "PodTemplateSpec"},
        {4, "strategy", Type::kMessage, false, "DeploymentStrategy"}, {5, "minReadySeconds", Type::kInt32},
        {6, "revisionHistoryLimit", Type::kInt32}, {7, "paused", Type::kBool}, {9, "progressDeadlineSeconds", Type::kInt32}}},
      {"DeploymentStrategy",
       {{1, "type", Type::kString}, {2, "rollingUpdate", Type::kMessage, false, "RollingUpdateDeployment"}}},
      {"RollingUpdateDeployment", {{1, "maxUnavailable", Type::kIntOrString}, {2, "maxSurge", Type::kIntOrString}}},
      {"Job", {{1, "metadata", Type::kMessage, false, "ObjectMeta"}, {2, "spec", Type::kMessage, false, "JobSpec"}}},
      {"JobSpec",
       {{1, "parallelism", Type::kInt32}, {2, "completions", Type::kInt32}, {3, "activeDeadlineSeconds", Type::kInt64},
        {4, "selector", Type::kMessage, false, "LabelSelector"}, {5, "manualSelector", Type::kBool},
        {6, "template", Type::kMessage, false, "PodTemplateSpec"}, {7, "backoffLimit", Type::kInt32},
        {8, "ttlSecondsAfterFinished", Type::kInt32}, {9, "completionMode", Type::kString}, {10, "suspend", Type::kBool}}},
      {"LabelSelector",
       {{1, "matchLabels", Type::kStringMap},
        {2, "matchExpressions", Type::kMessage, true, "LabelSelectorRequirement"}}},
      {"LabelSelectorRequirement",
       {{1, "key", Type::kString}, {2, "operator", Type::kString}, {3, "values", Type::kString, true}}},
      {"PodTemplateSpec",
       {{1, "metadata", Type::kMessage, false, "ObjectMeta"}, {2, "spec", Type::kMessage, false, "PodSpec"}}},
      {"PodSpec",
       {{2, "containers", Type::kMessage, true, "Container"}, {3, "restartPolicy", Type::kString},
        {4, "terminationGracePeriodSeconds", Type::kInt64}, {5, "activeDeadlineSeconds", Type::kInt64},
        {6, "dnsPolicy", Type::kString}, {7, "nodeSelector", Type::kStringMap}, {8, "serviceAccountName", Type::kString},
        {10, "nodeName", Type::kString}, {11, "hostNetwork", Type::kBool}, {12, "hostPID", Type::kBool},
        {16, "hostname", Type::kString}, {17, "subdomain", Type::kString}, {19, "schedulerName", Type::kString},
        {20, "initContainers", Type::kMessage, true, "Container"}, {22, "tolerations", Type::kMessage, true, "Toleration"},
        {24, "priorityClassName", Type::kString}, {25, "priority", Type::kInt32}, {31, "preemptionPolicy", Type::kString}}},
      {"Container",
       {{1, "name", Type::kString}, {2, "image", Type::kString}, {3, "command", Type::kString, true},
        {4, "args", Type::kString, true}, {5, "workingDir", Type::kString},
        {6, "ports", Type::kMessage, true, "ContainerPort"}, {7, "env", Type::kMessage, true, "EnvVar"},
        {8, "resources", Type::kMessage, false, "ResourceRequirements"}, {13, "terminationMessagePath", Type::kString},
        {14, "imagePullPolicy", Type::kString}, {16, "stdin", Type::kBool}, {17, "stdinOnce", Type::kBool},
        {18, "tty", Type::kBool}, {20, "terminationMessagePolicy", Type::kString}}},
      {"ContainerPort",
       {{1, "name", Type::kString}, {2, "hostPort", Type::kInt32}, {3, "containerPort", Type::kInt32},
        {4, "protocol", Type::kString}, {5, "hostIP", Type::kString}}},
      {"EnvVar", {{1, "name", Type::kString}, {2, "value", Type::kString}}},
      {"ResourceRequirements", {{1, "limits", Type::kQuantityMap}, {2, "requests", Type::kQuantityMap}}},
      {"Toleration",
       {{1, "key", Type::kString}, {2, "operator", Type::kString}, {3, "value", Type::kString},
        {4, "effect", Type::kString}, {5, "tolerationSeconds", Type::kInt64}}},
  };
  return *schemas;
}

absl::Status Malformed(absl::string_view why) {
  return BadRequestError(absl::StrCat("malformed Kubernetes protobuf body: ", why));
}

class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}
  bool done() const { return at_ >= data_.size(); }

  absl::StatusOr<uint64_t> Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) return Malformed("a truncated varint");
      auto byte = static_cast<uint8_t>(data_[at_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return Malformed("a varint longer than 10 bytes");
  }

  absl::StatusOr<absl::string_view> Bytes() {
    auto length = Varint();
    if (!length.ok()) return length.status();
    if (*length > data_.size() - at_) return Malformed("a length past the end of the body");
    absl::string_view out = data_.substr(at_, *length);
    at_ += *length;
    return out;
  }

  absl::Status Skip(int wire_type) {
    switch (wire_type) {
      case 0: return Varint().status();
      case 1: return Advance(8);
      case 2: return Bytes().status();
      case 5: return Advance(4);
      default: return Malformed(absl::StrCat("wire type ", wire_type));
    }
  }

 private:
  absl::Status Advance(size_t n) {
    if (n > data_.size() - at_) return Malformed("a fixed field past the end of the body");
    at_ += n;
    return absl::OkStatus();
  }

  absl::string_view data_;
  size_t at_ = 0;
};

absl::StatusOr<json> Decode(absl::string_view data, const Schema& schema);

absl::StatusOr<std::string> DecodeTime(absl::string_view data) {
  Reader in(data);
  int64_t seconds = 0;
  int64_t nanos = 0;
  while (!in.done()) {
    auto key = in.Varint();
    if (!key.ok()) return key.status();
    if ((*key & 7) != 0) {
      if (auto s = in.Skip(static_cast<int>(*key & 7)); !s.ok()) return s;
      continue;
    }
    auto value = in.Varint();
    if (!value.ok()) return value.status();
    if ((*key >> 3) == 1) seconds = static_cast<int64_t>(*value);
    if ((*key >> 3) == 2) nanos = static_cast<int64_t>(*value);
  }
  if (seconds == 0 && nanos == 0) return std::string();
  return Rfc3339(absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos));
}

absl::StatusOr<json> DecodeValue(Reader& in, int wire_type, const Field& field) {
  bool varint = field.type == Type::kInt32 || field.type == Type::kInt64 || field.type == Type::kBool;
  if ((varint ? 0 : 2) != wire_type) return Malformed(absl::StrCat("field ", field.name, " has wire type ", wire_type));
  if (varint) {
    auto v = in.Varint();
    if (!v.ok()) return v.status();
    if (field.type == Type::kBool) return json(*v != 0);
    if (field.type == Type::kInt32) return json(static_cast<int32_t>(*v));
    return json(static_cast<int64_t>(*v));
  }
  auto bytes = in.Bytes();
  if (!bytes.ok()) return bytes.status();
  switch (field.type) {
    case Type::kString:
      // Stored strings must be UTF-8, as the JSON and YAML readers insist.
      if (!IsValidUtf8(*bytes)) return Malformed(absl::StrCat("field ", field.name, " is not valid UTF-8"));
      return json(std::string(*bytes));
    case Type::kTime: {
      auto time = DecodeTime(*bytes);
      if (!time.ok()) return time.status();
      return json(*time);
    }
    case Type::kMessage: return Decode(*bytes, Schemas().at(field.message));
    case Type::kIntOrString: {
      auto value = Decode(*bytes, {{1, "type", Type::kInt64}, {2, "intVal", Type::kInt32}, {3, "strVal", Type::kString}});
      if (!value.ok()) return value.status();
      if (value->value("type", int64_t{0}) == 1) return json(value->value("strVal", ""));
      return json(value->value("intVal", 0));
    }
    case Type::kBytesMap: {
      Reader entry(*bytes);
      json out = json::object();
      while (!entry.done()) {
        auto key = entry.Varint();
        if (!key.ok()) return key.status();
        if ((*key & 7) != 2) return Malformed(absl::StrCat("field ", field.name, " has an entry of wire type ", *key & 7));
        auto part = entry.Bytes();
        if (!part.ok()) return part.status();
        if ((*key >> 3) == 1) {
          if (!IsValidUtf8(*part)) return Malformed(absl::StrCat("a key of ", field.name, " is not valid UTF-8"));
          out["key"] = std::string(*part);
        } else if ((*key >> 3) == 2) {
          out["value"] = absl::Base64Escape(*part);
        }
      }
      return out;
    }
    case Type::kQuantityMap: {
      static const Schema kQuantityEntry = {{1, "key", Type::kString}, {2, "value", Type::kMessage, false, "Quantity"}};
      auto entry = Decode(*bytes, kQuantityEntry);
      if (!entry.ok()) return entry.status();
      return json{{"key", entry->value("key", "")}, {"value", (*entry)["value"].value("string", "")}};
    }
    default: return Decode(*bytes, {{1, "key", Type::kString}, {2, "value", Type::kString}});
  }
}

absl::StatusOr<json> Decode(absl::string_view data, const Schema& schema) {
  json out = json::object();
  Reader in(data);
  while (!in.done()) {
    auto key = in.Varint();
    if (!key.ok()) return key.status();
    int number = static_cast<int>(*key >> 3);
    int wire_type = static_cast<int>(*key & 7);
    const Field* field = nullptr;
    for (const Field& f : schema) {
      if (f.number == number) field = &f;
    }
    if (field == nullptr) {
      if (auto s = in.Skip(wire_type); !s.ok()) return s;
      continue;
    }
    auto value = DecodeValue(in, wire_type, *field);
    if (!value.ok()) return value.status();
    // Go's generated code writes every non-pointer string, empty ones too
    // (and a zero Time for a null one); in JSON they would be omitted.
    if (value->is_string() && value->get_ref<const std::string&>().empty() && !field->repeated) continue;
    if (field->type == Type::kStringMap || field->type == Type::kBytesMap || field->type == Type::kQuantityMap) {
      out[field->name][value->value("key", "")] = value->value("value", "");
    } else if (field->repeated) {
      out[field->name].push_back(*std::move(value));
    } else {
      out[field->name] = *std::move(value);
    }
  }
  return out;
}

// The kinds a body may be; the other schemas are their parts.
bool IsTopLevelKind(absl::string_view kind) {
  return kind == "Namespace" || kind == "PriorityClass" || kind == "DeleteOptions" ||
         kind == "SelfSubjectAccessReview" || kind == "SelfSubjectRulesReview" || kind == "SelfSubjectReview" ||
         kind == "ConfigMap" || kind == "Secret" || kind == "Deployment" || kind == "Job";
}

}  // namespace

absl::StatusOr<json> KubeProtobufToJson(absl::string_view body) {
  constexpr absl::string_view kMagic("k8s\0", 4);
  if (body.substr(0, kMagic.size()) != kMagic) return Malformed("it does not start with the k8s magic bytes");
  // runtime.Unknown: typeMeta = 1, raw = 2 (contentEncoding and contentType are empty).
  Reader envelope(body.substr(kMagic.size()));
  json type_meta = json::object();
  absl::string_view raw;
  while (!envelope.done()) {
    auto key = envelope.Varint();
    if (!key.ok()) return key.status();
    int number = static_cast<int>(*key >> 3);
    int wire_type = static_cast<int>(*key & 7);
    if ((number == 1 || number == 2) && wire_type == 2) {
      auto bytes = envelope.Bytes();
      if (!bytes.ok()) return bytes.status();
      if (number == 2) {
        raw = *bytes;
        continue;
      }
      auto decoded = Decode(*bytes, Schemas().at("TypeMeta"));
      if (!decoded.ok()) return decoded.status();
      type_meta = *std::move(decoded);
    } else if (auto s = envelope.Skip(wire_type); !s.ok()) {
      return s;
    }
  }
  std::string kind = type_meta.value("kind", "");
  if (!IsTopLevelKind(kind)) {
    return UnsupportedMediaTypeError(absl::StrCat(kKubeProtobufContentType, " for kind \"", kind,
                                                  "\" (gantry reads this encoding for Namespace, PriorityClass, "
                                                  "ConfigMap, Secret, Deployment, Job, DeleteOptions and access "
                                                  "reviews; send JSON)"));
  }
  auto object = Decode(raw, Schemas().at(kind));
  if (!object.ok()) return object.status();
  (*object)["apiVersion"] = type_meta.value("apiVersion", "");
  (*object)["kind"] = kind;
  return object;
}

}  // namespace gantry::api
