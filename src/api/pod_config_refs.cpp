#include "api/pod_config_refs.h"

namespace gantry::api {
namespace {

void AddContainer(const Container& c, PodConfigRefs* refs) {
  for (const auto& env : c.env()) {
    if (env.value_from().has_config_map_key_ref()) refs->config_maps.insert(env.value_from().config_map_key_ref().name());
    if (env.value_from().has_secret_key_ref()) refs->secrets.insert(env.value_from().secret_key_ref().name());
  }
  for (const auto& from : c.env_from()) {
    if (from.has_config_map_ref()) refs->config_maps.insert(from.config_map_ref().name());
    if (from.has_secret_ref()) refs->secrets.insert(from.secret_ref().name());
  }
}

}  // namespace

PodConfigRefs ConfigRefsOf(const PodSpec& spec) {
  PodConfigRefs refs;
  for (const auto& c : spec.init_containers()) AddContainer(c, &refs);
  for (const auto& c : spec.containers()) AddContainer(c, &refs);
  for (const auto& v : spec.volumes()) {
    if (v.has_config_map()) refs.config_maps.insert(v.config_map().name());
    if (v.has_secret()) refs.secrets.insert(v.secret().secret_name());
    for (const auto& source : v.projected().sources()) {
      if (source.has_config_map()) refs.config_maps.insert(source.config_map().name());
      if (source.has_secret()) refs.secrets.insert(source.secret().name());
    }
  }
  return refs;
}

}  // namespace gantry::api
