#include "agent/node_template.h"

#include <absl/strings/str_cat.h>

#include <nlohmann/json.hpp>

#include "api/json_codec.h"
#include "api/yaml_json.h"
#include "common/files.h"

namespace gantry::agent {

absl::StatusOr<NodeTemplate> NodeTemplate::Load(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto doc = api::ParseDocument(*text);
  if (!doc.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", doc.status().message()));
  if (!doc->is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": expected a mapping"));
  auto bad = [&](const std::string& key, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", key, ": ", why));
  };
  NodeTemplate t;
  for (const auto& [key, value] : doc->items()) {
    if (key == "namePrefix") {
      if (!value.is_string() || value.get<std::string>().empty()) return bad(key, "must be a non-empty string");
      t.name_prefix = value.get<std::string>();
    } else if (key == "zones") {
      if (!value.is_array()) return bad(key, "must be a list of strings");
      for (const auto& z : value) {
        if (!z.is_string()) return bad(key, "must be a list of strings");
        t.zones.push_back(z.get<std::string>());
      }
    } else if (key == "labels" || key == "capacity") {
      if (!value.is_object()) return bad(key, "must be a mapping of strings");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string() && !v.is_number()) return bad(absl::StrCat(key, ".", k), "must be a string");
        std::string s = v.is_string() ? v.get<std::string>() : v.dump();
        (key == "labels" ? t.labels : t.capacity).emplace_back(k, s);
      }
    } else if (key == "taints") {
      if (!value.is_array()) return bad(key, "must be a list of taints");
      for (const auto& item : value) {
        api::Taint taint;
        if (auto s = api::DecodeJson(item, &taint, nullptr); !s.ok()) return bad(key, std::string(s.message()));
        t.taints.push_back(taint);
      }
    } else {
      return bad(key, "unknown key (namePrefix, zones, labels, capacity, taints)");
    }
  }
  if (t.capacity.empty()) return bad("capacity", "is required (cpu, memory, pods)");
  return t;
}

api::Node NodeTemplate::Instantiate(int index) const {
  api::Node node;
  std::string name = absl::StrCat(name_prefix, "-", index);
  node.mutable_metadata()->set_name(name);
  auto& labels = *node.mutable_metadata()->mutable_labels();
  labels["kubernetes.io/hostname"] = name;
  labels["kubernetes.io/os"] = "linux";
  labels["gantry.io/simulated"] = "true";
  if (!zones.empty()) labels["topology.kubernetes.io/zone"] = zones[static_cast<size_t>(index) % zones.size()];
  for (const auto& [k, v] : this->labels) labels[k] = v;
  for (const auto& t : taints) *node.mutable_spec()->add_taints() = t;
  auto& capacity = *node.mutable_status()->mutable_capacity();
  for (const auto& [k, v] : this->capacity) capacity[k] = v;
  *node.mutable_status()->mutable_allocatable() = capacity;
  node.mutable_status()->mutable_node_info()->set_kubelet_version("v1.32.0-gantry");
  node.mutable_status()->mutable_node_info()->set_container_runtime_version("gantry-simulated://" GANTRY_VERSION);
  return node;
}

}  // namespace gantry::agent
