#include "agent/volumes/volume_files.h"

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>

#include <algorithm>
#include <map>
#include <optional>

#include "api/downward_api.h"

namespace gantry::agent {
namespace {

using Files = std::map<std::string, VolumeFile>;

using Contents = std::map<std::string, std::string>;

// A ConfigMap's keys and contents (binaryData decoded); nullopt when it is missing.
absl::StatusOr<std::optional<Contents>> ConfigMapContents(const std::string& name, const api::PodConfig& config) {
  const api::ConfigMap* cm = FindConfigMap(config, name);
  if (cm == nullptr) return std::nullopt;
  Contents contents(cm->data().begin(), cm->data().end());
  for (const auto& [key, encoded] : cm->binary_data()) {
    if (!absl::Base64Unescape(encoded, &contents[key])) {
      return absl::DataLossError(absl::StrCat("binaryData ", key, " of configmap \"", name, "\" is not base64"));
    }
  }
  return contents;
}

// A Secret's keys and decoded values; nullopt when it is missing.
absl::StatusOr<std::optional<Contents>> SecretContents(const std::string& name, const api::PodConfig& config) {
  const api::Secret* secret = FindSecret(config, name);
  if (secret == nullptr) return std::nullopt;
  Contents contents;
  for (const auto& [key, encoded] : secret->data()) {
    auto value = SecretValue(*secret, key);
    if (!value.ok()) return value.status();
    contents[key] = *std::move(value);
  }
  return contents;
}

// Every key (items empty) or the listed ones, each at its path with its
// mode; `kind` is "configmap" or "secret", as kubelet's errors name them.
absl::Status AddObject(const absl::StatusOr<std::optional<Contents>>& object, absl::string_view kind,
                       const std::string& name, const google::protobuf::RepeatedPtrField<api::KeyToPath>& items,
                       bool optional, int mode, Files* files) {
  if (!object.ok()) return object.status();
  if (!object->has_value()) {
    if (optional) return absl::OkStatus();
    return absl::NotFoundError(absl::StrCat(kind, " \"", name, "\" not found"));
  }
  const Contents& contents = **object;
  if (items.empty()) {
    for (const auto& [key, content] : contents) (*files)[key] = {key, content, mode};
    return absl::OkStatus();
  }
  for (const auto& item : items) {
    auto it = contents.find(item.key());
    if (it == contents.end()) {
      return absl::NotFoundError(absl::StrCat(kind, " references non-existent ", kind == "secret" ? "secret" : "config",
                                              " key: ", item.key()));
    }
    (*files)[item.path()] = {item.path(), it->second, item.has_mode() ? item.mode() : mode};
  }
  return absl::OkStatus();
}

absl::Status AddDownward(const google::protobuf::RepeatedPtrField<api::DownwardAPIVolumeFile>& items, int mode,
                         const api::Pod& pod, const NodeFacts& node, Files* files) {
  for (const auto& item : items) {
    absl::StatusOr<std::string> content;
    if (item.has_field_ref()) {
      content = api::PodFieldFileValue(pod, item.field_ref().field_path(), node.addresses);
    } else {
      const std::string& name = item.resource_field_ref().container_name();
      const api::Container* target = nullptr;
      for (const auto& c : pod.spec().containers()) {
        if (c.name() == name) target = &c;
      }
      if (target == nullptr) return absl::InvalidArgumentError(absl::StrCat("resourceFieldRef names no container \"", name, "\""));
      content = api::ResourceFieldValue(*target, item.resource_field_ref(), node.allocatable);
    }
    if (!content.ok()) return content.status();
    (*files)[item.path()] = {item.path(), *std::move(content), item.has_mode() ? item.mode() : mode};
  }
  return absl::OkStatus();
}

}  // namespace

bool IsProjectedVolume(const api::Volume& volume) {
  return volume.has_config_map() || volume.has_secret() || volume.has_downward_api() || volume.has_projected();
}

absl::StatusOr<std::vector<VolumeFile>> VolumeFiles(const api::Volume& volume, const api::Pod& pod,
                                                    const api::PodConfig& config, const NodeFacts& node) {
  Files files;
  absl::Status added;
  if (volume.has_config_map()) {
    const auto& v = volume.config_map();
    added = AddObject(ConfigMapContents(v.name(), config), "configmap", v.name(), v.items(), v.optional(),
                      v.default_mode(), &files);
  } else if (volume.has_secret()) {
    const auto& v = volume.secret();
    added = AddObject(SecretContents(v.secret_name(), config), "secret", v.secret_name(), v.items(), v.optional(),
                      v.default_mode(), &files);
  } else if (volume.has_downward_api()) {
    added = AddDownward(volume.downward_api().items(), volume.downward_api().default_mode(), pod, node, &files);
  } else if (volume.has_projected()) {
    int mode = volume.projected().default_mode();
    for (const auto& source : volume.projected().sources()) {
      if (source.has_config_map()) {
        const auto& v = source.config_map();
        added = AddObject(ConfigMapContents(v.name(), config), "configmap", v.name(), v.items(), v.optional(), mode,
                          &files);
      } else if (source.has_secret()) {
        const auto& v = source.secret();
        added = AddObject(SecretContents(v.name(), config), "secret", v.name(), v.items(), v.optional(), mode, &files);
      } else if (source.has_downward_api()) {
        added = AddDownward(source.downward_api().items(), mode, pod, node, &files);
      }
      if (!added.ok()) break;
    }
  }
  if (!added.ok()) return added;
  std::vector<VolumeFile> out;
  for (auto& [path, file] : files) out.push_back(std::move(file));
  return out;
}

}  // namespace gantry::agent
