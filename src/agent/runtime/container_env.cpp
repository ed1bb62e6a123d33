#include "agent/runtime/container_env.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <map>
#include <optional>

#include "api/downward_api.h"

namespace gantry::agent {
namespace {

// Kubernetes 1.32's relaxed rule: any printable ASCII but '='.
bool IsEnvVarName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c < ' ' || c > '~' || c == '=') return false;
  }
  return true;
}

class EnvBuilder {
 public:
  void Set(const std::string& name, std::string value) {
    auto [it, fresh] = index_.try_emplace(name, vars_.size());
    if (fresh) {
      vars_.emplace_back(name, std::move(value));
    } else {
      vars_[it->second].second = std::move(value);
    }
    values_[name] = vars_[it->second].second;
  }
  const absl::flat_hash_map<std::string, std::string>& values() const { return values_; }
  std::vector<std::pair<std::string, std::string>> Take() { return std::move(vars_); }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
  absl::flat_hash_map<std::string, size_t> index_;
  absl::flat_hash_map<std::string, std::string> values_;
};

absl::StatusOr<std::optional<std::string>> KeyValue(const api::EnvVarSource& from, const api::PodConfig& config,
                                                    const std::string& ns) {
  if (from.has_config_map_key_ref()) {
    const auto& ref = from.config_map_key_ref();
    const api::ConfigMap* cm = FindConfigMap(config, ref.name());
    if (cm == nullptr) {
      if (ref.optional()) return std::nullopt;
      return absl::NotFoundError(absl::StrCat("configmap \"", ref.name(), "\" not found"));
    }
    auto it = cm->data().find(ref.key());
    if (it == cm->data().end()) {
      if (ref.optional()) return std::nullopt;
      return absl::NotFoundError(absl::StrCat("couldn't find key ", ref.key(), " in ConfigMap ", ns, "/", ref.name()));
    }
    return it->second;
  }
  const auto& ref = from.secret_key_ref();
  const api::Secret* secret = FindSecret(config, ref.name());
  if (secret == nullptr) {
    if (ref.optional()) return std::nullopt;
    return absl::NotFoundError(absl::StrCat("secret \"", ref.name(), "\" not found"));
  }
  auto value = SecretValue(*secret, ref.key());
  if (!value.ok()) {
    if (ref.optional() && value.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
    return absl::Status(value.status().code(), absl::StrCat(value.status().message(), " in Secret ", ns, "/", ref.name()));
  }
  return *value;
}

// An envFrom source's keys and values, sorted by key (Secret values decoded);
// none for a missing optional object.
absl::StatusOr<std::map<std::string, std::string>> EnvFromEntries(const api::EnvFromSource& from,
                                                                  const api::PodConfig& config) {
  std::map<std::string, std::string> entries;
  if (from.has_config_map_ref()) {
    const api::ConfigMap* cm = FindConfigMap(config, from.config_map_ref().name());
    if (cm != nullptr) return std::map<std::string, std::string>(cm->data().begin(), cm->data().end());
    if (from.config_map_ref().optional()) return entries;
    return absl::NotFoundError(absl::StrCat("configmap \"", from.config_map_ref().name(), "\" not found"));
  }
  const api::Secret* secret = FindSecret(config, from.secret_ref().name());
  if (secret == nullptr) {
    if (from.secret_ref().optional()) return entries;
    return absl::NotFoundError(absl::StrCat("secret \"", from.secret_ref().name(), "\" not found"));
  }
  for (const auto& [key, encoded] : secret->data()) {
    auto value = SecretValue(*secret, key);
    if (!value.ok()) return value.status();
    entries[key] = *std::move(value);
  }
  return entries;
}

}  // namespace

std::string ExpandVars(const std::string& input, const absl::flat_hash_map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '$' || i + 1 == input.size()) {
      out += input[i];
      continue;
    }
    char next = input[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
    } else if (next == '(') {
      size_t close = input.find(')', i + 2);
      if (close == std::string::npos) {
        out += input.substr(i);  // unterminated: kept as written
        break;
      }
      std::string name = input.substr(i + 2, close - i - 2);
      auto it = vars.find(name);
      out += it != vars.end() ? it->second : input.substr(i, close - i + 1);
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}

absl::StatusOr<ContainerEnv> BuildContainerEnv(const api::Pod& pod, const api::Container& container,
                                               const api::PodConfig& config, const NodeFacts& node) {
  const std::string& ns = pod.metadata().namespace_();
  EnvBuilder env;
  ContainerEnv out;
  for (const auto& from : container.env_from()) {
    auto entries = EnvFromEntries(from, config);
    if (!entries.ok()) return entries.status();
    for (const auto& [key, value] : *entries) {
      std::string name = from.prefix() + key;
      if (!IsEnvVarName(name)) {
        out.skipped_keys.push_back(key);
        continue;
      }
      env.Set(name, value);
    }
  }
  for (const auto& e : container.env()) {
    if (!e.has_value_from()) {
      env.Set(e.name(), ExpandVars(e.value(), env.values()));
      continue;
    }
    const api::EnvVarSource& from = e.value_from();
    if (from.has_field_ref()) {
      auto value = api::PodFieldValue(pod, from.field_ref().field_path(), node.addresses);
      if (!value.ok()) return absl::Status(value.status().code(), absl::StrCat("env ", e.name(), ": ", value.status().message()));
      env.Set(e.name(), *value);
    } else if (from.has_resource_field_ref()) {
      const std::string& name = from.resource_field_ref().container_name();
      const api::Container* target = &container;
      for (const auto& c : pod.spec().containers()) {
        if (!name.empty() && c.name() == name) target = &c;
      }
      auto value = api::ResourceFieldValue(*target, from.resource_field_ref(), node.allocatable);
      if (!value.ok()) return absl::Status(value.status().code(), absl::StrCat("env ", e.name(), ": ", value.status().message()));
      env.Set(e.name(), *value);
    } else {
      auto value = KeyValue(from, config, ns);
      if (!value.ok()) return value.status();
      if (value->has_value()) env.Set(e.name(), **value);
    }
  }
  out.vars = env.Take();
  return out;
}

}  // namespace gantry::agent
