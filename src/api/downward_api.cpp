#include "api/downward_api.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/strip.h>

#include <map>
#include <vector>

#include "api/quantity.h"

namespace gantry::api {
namespace {

// "metadata.labels['app']" -> "app", for labels and annotations.
bool MapKey(absl::string_view path, absl::string_view map, std::string* key) {
  if (!absl::ConsumePrefix(&path, map) || !absl::ConsumePrefix(&path, "['") || !absl::ConsumeSuffix(&path, "']")) {
    return false;
  }
  *key = std::string(path);
  return !key->empty();
}

}  // namespace

bool IsEnvFieldPath(absl::string_view path) {
  std::string key;
  return path == "metadata.name" || path == "metadata.namespace" || path == "metadata.uid" ||
         path == "spec.nodeName" || path == "spec.serviceAccountName" || path == "status.hostIP" ||
         path == "status.podIP" || MapKey(path, "metadata.labels", &key) || MapKey(path, "metadata.annotations", &key);
}

bool IsResourceFieldName(absl::string_view resource) {
  return resource == "limits.cpu" || resource == "limits.memory" || resource == "limits.ephemeral-storage" ||
         resource == "requests.cpu" || resource == "requests.memory" || resource == "requests.ephemeral-storage";
}

absl::StatusOr<std::string> PodFieldValue(const Pod& pod, absl::string_view path, const PodAddresses& addresses) {
  const ObjectMeta& meta = pod.metadata();
  std::string key;
  if (path == "metadata.name") return meta.name();
  if (path == "metadata.namespace") return meta.namespace_();
  if (path == "metadata.uid") return meta.uid();
  if (path == "spec.nodeName") return pod.spec().node_name();
  if (path == "spec.serviceAccountName") return pod.spec().service_account_name();
  if (path == "status.hostIP") return addresses.host_ip;
  if (path == "status.podIP") return addresses.pod_ip;
  if (MapKey(path, "metadata.labels", &key)) {
    auto it = meta.labels().find(key);
    return it == meta.labels().end() ? std::string() : it->second;
  }
  if (MapKey(path, "metadata.annotations", &key)) {
    auto it = meta.annotations().find(key);
    return it == meta.annotations().end() ? std::string() : it->second;
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported fieldRef path \"", path, "\""));
}

namespace {

// Go's %q for the printable ASCII and the usual escapes; other bytes as \xNN.
std::string GoQuote(const std::string& value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string FormatMap(const google::protobuf::Map<std::string, std::string>& map) {
  std::map<std::string, std::string> sorted(map.begin(), map.end());
  std::vector<std::string> lines;
  for (const auto& [k, v] : sorted) lines.push_back(absl::StrCat(k, "=", GoQuote(v)));
  return absl::StrJoin(lines, "\n");
}

}  // namespace

absl::StatusOr<std::string> PodFieldFileValue(const Pod& pod, absl::string_view path, const PodAddresses& addresses) {
  if (path == "metadata.labels") return FormatMap(pod.metadata().labels());
  if (path == "metadata.annotations") return FormatMap(pod.metadata().annotations());
  return PodFieldValue(pod, path, addresses);
}

absl::StatusOr<std::string> ResourceFieldValue(const Container& container, const ResourceFieldSelector& selector,
                                               const google::protobuf::Map<std::string, std::string>& node_allocatable) {
  absl::string_view resource = selector.resource();
  if (!IsResourceFieldName(resource)) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported resourceFieldRef resource \"", resource, "\""));
  }
  const bool limit = absl::ConsumePrefix(&resource, "limits.");
  if (!limit) absl::ConsumePrefix(&resource, "requests.");
  const auto& set = limit ? container.resources().limits() : container.resources().requests();
  absl::string_view text = "0";
  if (auto it = set.find(std::string(resource)); it != set.end()) {
    text = it->second;
  } else if (auto node = node_allocatable.find(std::string(resource)); limit && node != node_allocatable.end()) {
    text = node->second;
  }
  auto value = Quantity::Parse(text);
  if (!value.ok()) return value.status();
  auto divisor = Quantity::Parse(selector.divisor().empty() ? "1" : selector.divisor());
  if (!divisor.ok()) return divisor.status();
  int64_t unit = divisor->MilliValue();
  if (unit <= 0) return absl::InvalidArgumentError(absl::StrCat("divisor \"", selector.divisor(), "\" must be positive"));
  // In thousandths, so cpu divisors such as 1m divide exactly; rounded up as Kubernetes does.
  int64_t milli = value->MilliValue();
  return std::to_string((milli + unit - 1) / unit);
}

}  // namespace gantry::api
