#include "agent/pod_config.h"

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>

namespace gantry::agent {

const api::ConfigMap* FindConfigMap(const api::PodConfig& config, const std::string& name) {
  for (const auto& cm : config.config_maps()) {
    if (cm.metadata().name() == name) return &cm;
  }
  return nullptr;
}

const api::Secret* FindSecret(const api::PodConfig& config, const std::string& name) {
  for (const auto& s : config.secrets()) {
    if (s.metadata().name() == name) return &s;
  }
  return nullptr;
}

absl::StatusOr<std::string> SecretValue(const api::Secret& secret, const std::string& key) {
  auto it = secret.data().find(key);
  if (it == secret.data().end()) return absl::NotFoundError(absl::StrCat("couldn't find key ", key));
  std::string decoded;
  if (!absl::Base64Unescape(it->second, &decoded)) return absl::DataLossError(absl::StrCat("key ", key, " is not base64"));
  return decoded;
}

}  // namespace gantry::agent
