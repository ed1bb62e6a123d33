#include "agent/volumes/volume_files.h"

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>

#include <algorithm>
#include <map>

#include "api/downward_api.h"

namespace gantry::agent {
namespace {

using Files = std::map<std::string, VolumeFile>;

// Every key (items empty) or the listed ones, each at its path with its mode.
template <typename Lookup>
absl::Status AddKeys(const google::protobuf::RepeatedPtrField<api::KeyToPath>& items, const std::vector<std::string>& keys,
                     int mode, absl::string_view kind, Lookup lookup, Files* files) {
  if (items.empty()) {
    for (const std::string& key : keys) {
      auto content = lookup(key);
      if (!content.ok()) return content.status();
      (*files)[key] = {key, *std::move(content), mode};
    }
    return absl::OkStatus();
  }
  for (const auto& item : items) {
    if (std::find(keys.begin(), keys.end(), item.key()) == keys.end()) {
      return absl::NotFoundError(absl::StrCat(kind, " references non-existent ", kind == "secret" ? "secret" : "config",
                                              " key: ", item.key()));
    }
    auto content = lookup(item.key());
    if (!content.ok()) return content.status();
    (*files)[item.path()] = {item.path(), *std::move(content), item.has_mode() ? item.mode() : mode};
  }
  return absl::OkStatus();
}

absl::Status AddConfigMap(const std::string& name, const google::protobuf::RepeatedPtrField<api::KeyToPath>& items,
                          bool optional, int mode, const api::PodConfig& config, Files* files) {
  const api::ConfigMap* cm = FindConfigMap(config, name);
  if (cm == nullptr) {
    if (optional) return absl::OkStatus();
    return absl::NotFoundError(absl::StrCat("configmap \"", name, "\" not found"));
  }
  std::vector<std::string> keys;
  for (const auto& [key, value] : cm->data()) keys.push_back(key);
  for (const auto& [key, value] : cm->binary_data()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return AddKeys(items, keys, mode, "configmap", [&](const std::string& key) -> absl::StatusOr<std::string> {
    if (auto it = cm->data().find(key); it != cm->data().end()) return it->second;
    std::string decoded;
    if (!absl::Base64Unescape(cm->binary_data().at(key), &decoded)) {
      return absl::DataLossError(absl::StrCat("binaryData ", key, " of configmap \"", name, "\" is not base64"));
    }
    return decoded;
  }, files);
}

absl::Status AddSecret(const std::string& name, const google::protobuf::RepeatedPtrField<api::KeyToPath>& items,
                       bool optional, int mode, const api::PodConfig& config, Files* files) {
  const api::Secret* secret = FindSecret(config, name);
  if (secret == nullptr) {
    if (optional) return absl::OkStatus();
    return absl::NotFoundError(absl::StrCat("secret \"", name, "\" not found"));
  }
  std::vector<std::string> keys;
  for (const auto& [key, value] : secret->data()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return AddKeys(items, keys, mode, "secret",
                 [&](const std::string& key) { return SecretValue(*secret, key); }, files);
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
    added = AddConfigMap(v.name(), v.items(), v.optional(), v.default_mode(), config, &files);
  } else if (volume.has_secret()) {
    const auto& v = volume.secret();
    added = AddSecret(v.secret_name(), v.items(), v.optional(), v.default_mode(), config, &files);
  } else if (volume.has_downward_api()) {
    added = AddDownward(volume.downward_api().items(), volume.downward_api().default_mode(), pod, node, &files);
  } else if (volume.has_projected()) {
    int mode = volume.projected().default_mode();
    for (const auto& source : volume.projected().sources()) {
      if (source.has_config_map()) {
        const auto& v = source.config_map();
        added = AddConfigMap(v.name(), v.items(), v.optional(), mode, config, &files);
      } else if (source.has_secret()) {
        const auto& v = source.secret();
        added = AddSecret(v.name(), v.items(), v.optional(), mode, config, &files);
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
