#include "api/volume_validation.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <algorithm>

#include "api/downward_api.h"
#include "api/quantity.h"
#include "api/validation.h"

namespace gantry::api {
namespace {

using Causes = std::vector<FieldCause>;

// Kubernetes: a relative path without ".." elements.
void ValidateRelativePath(const std::string& value, const std::string& field, Causes* causes) {
  if (value.empty()) {
    causes->push_back(RequiredCause(field));
  } else if (absl::StartsWith(value, "/")) {
    causes->push_back(InvalidCause(field, value, "must be a relative path"));
  } else {
    for (absl::string_view part : absl::StrSplit(value, '/')) {
      if (part == "..") {
        causes->push_back(InvalidCause(field, value, "must not contain '..'"));
        break;
      }
    }
  }
}

void ValidateMode(const google::protobuf::int32 mode, const std::string& field, Causes* causes) {
  if (mode < 0 || mode > 0777) {
    causes->push_back(InvalidCause(field, std::to_string(mode), "must be a number between 0 and 0777 (octal), both inclusive"));
  }
}

void ValidateItems(const google::protobuf::RepeatedPtrField<KeyToPath>& items, const std::string& path, Causes* causes) {
  for (int i = 0; i < items.size(); ++i) {
    std::string at = absl::StrCat(path, ".items[", i, "]");
    if (items[i].key().empty()) causes->push_back(RequiredCause(at + ".key"));
    ValidateRelativePath(items[i].path(), at + ".path", causes);
    if (items[i].has_mode()) ValidateMode(items[i].mode(), at + ".mode", causes);
  }
}

void ValidateDownwardFiles(const google::protobuf::RepeatedPtrField<DownwardAPIVolumeFile>& items, const std::string& path,
                           Causes* causes) {
  for (int i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    std::string at = absl::StrCat(path, ".items[", i, "]");
    ValidateRelativePath(item.path(), at + ".path", causes);
    if (item.has_field_ref() == item.has_resource_field_ref()) {
      causes->push_back(InvalidCause(at, "", "must specify exactly one of fieldRef and resourceFieldRef"));
    }
    // A volume file may also hold all labels or annotations, which an env var may not.
    const std::string& field_path = item.field_ref().field_path();
    if (item.has_field_ref() && field_path != "metadata.labels" && field_path != "metadata.annotations" &&
        !IsEnvFieldPath(field_path)) {
      causes->push_back(NotSupportedCause(at + ".fieldRef.fieldPath", field_path,
                                          {"metadata.annotations", "metadata.labels", "metadata.name",
                                           "metadata.namespace", "metadata.uid"}));
    }
    if (item.has_resource_field_ref() && !IsResourceFieldName(item.resource_field_ref().resource())) {
      causes->push_back(NotSupportedCause(at + ".resourceFieldRef.resource", item.resource_field_ref().resource(),
                                          {"limits.cpu", "limits.memory", "requests.cpu", "requests.memory"}));
    }
    if (item.has_mode()) ValidateMode(item.mode(), at + ".mode", causes);
  }
}

void ValidateObjectName(const std::string& name, const std::string& field, Causes* causes) {
  if (name.empty()) {
    causes->push_back(RequiredCause(field));
  } else if (!IsDns1123Subdomain(name)) {
    causes->push_back(InvalidCause(field, name, "must be a DNS-1123 subdomain"));
  }
}

int CountSources(const Volume& v) {
  return v.has_host_path() + v.has_empty_dir() + v.has_secret() + v.has_config_map() + v.has_downward_api() +
         v.has_projected();
}

void ValidateVolume(const Volume& v, const std::string& at, Causes* causes) {
  // No source at all is allowed here: the manifest may have named one gantry
  // does not provide (dropped with a warning); the agent refuses the pod.
  if (CountSources(v) > 1) causes->push_back({"FieldValueForbidden", at, "Forbidden: may not specify more than 1 volume type"});
  if (v.has_host_path()) {
    static const std::vector<absl::string_view> kTypes = {"",     "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate",
                                                          "File", "FileOrCreate", "Socket"};
    if (!absl::StartsWith(v.host_path().path(), "/")) {
      causes->push_back(InvalidCause(at + ".hostPath.path", v.host_path().path(), "must be an absolute path"));
    }
    if (std::find(kTypes.begin(), kTypes.end(), v.host_path().type()) == kTypes.end()) {
      causes->push_back(NotSupportedCause(at + ".hostPath.type", v.host_path().type(), kTypes));
    }
  }
  if (v.has_empty_dir()) {
    const auto& dir = v.empty_dir();
    if (!dir.medium().empty() && dir.medium() != "Memory") {
      causes->push_back(NotSupportedCause(at + ".emptyDir.medium", dir.medium(), {"", "Memory"}));
    }
    if (!dir.size_limit().empty()) {
      auto q = Quantity::Parse(dir.size_limit());
      if (!q.ok() || q->IsNegative()) {
        causes->push_back(InvalidCause(at + ".emptyDir.sizeLimit", dir.size_limit(), "must be a non-negative quantity"));
      }
    }
  }
  if (v.has_config_map()) {
    ValidateObjectName(v.config_map().name(), at + ".configMap.name", causes);
    ValidateItems(v.config_map().items(), at + ".configMap", causes);
    ValidateMode(v.config_map().default_mode(), at + ".configMap.defaultMode", causes);
  }
  if (v.has_secret()) {
    ValidateObjectName(v.secret().secret_name(), at + ".secret.secretName", causes);
    ValidateItems(v.secret().items(), at + ".secret", causes);
    ValidateMode(v.secret().default_mode(), at + ".secret.defaultMode", causes);
  }
  if (v.has_downward_api()) {
    ValidateDownwardFiles(v.downward_api().items(), at + ".downwardAPI", causes);
    ValidateMode(v.downward_api().default_mode(), at + ".downwardAPI.defaultMode", causes);
  }
  if (v.has_projected()) {
    ValidateMode(v.projected().default_mode(), at + ".projected.defaultMode", causes);
    for (int i = 0; i < v.projected().sources_size(); ++i) {
      const VolumeProjection& source = v.projected().sources(i);
      std::string src = absl::StrCat(at, ".projected.sources[", i, "]");
      if (source.has_config_map()) {
        ValidateObjectName(source.config_map().name(), src + ".configMap.name", causes);
        ValidateItems(source.config_map().items(), src + ".configMap", causes);
      }
      if (source.has_secret()) {
        ValidateObjectName(source.secret().name(), src + ".secret.name", causes);
        ValidateItems(source.secret().items(), src + ".secret", causes);
      }
      if (source.has_downward_api()) ValidateDownwardFiles(source.downward_api().items(), src + ".downwardAPI", causes);
    }
  }
}

void ValidatePort(const std::string& port, const std::string& at, Causes* causes) {
  int number = 0;
  if (port.empty()) {
    causes->push_back(RequiredCause(at));
  } else if (absl::SimpleAtoi(port, &number) && (number < 1 || number > 65535)) {
    causes->push_back(InvalidCause(at, port, "must be between 1 and 65535, inclusive"));
  }
}

void ValidateHttpGet(const HTTPGetAction& get, const std::string& at, Causes* causes) {
  ValidatePort(get.port(), at + ".port", causes);
  if (!get.scheme().empty() && get.scheme() != "HTTP" && get.scheme() != "HTTPS") {
    causes->push_back(NotSupportedCause(at + ".scheme", get.scheme(), {"HTTP", "HTTPS"}));
  }
}

void ValidateProbe(const Probe& probe, const std::string& at, bool single_success, Causes* causes) {
  // No handler is allowed: the manifest may have named one gantry does not
  // run (grpc), dropped with a warning; the agent then runs no probe.
  int handlers = probe.has_exec() + probe.has_http_get() + probe.has_tcp_socket();
  if (handlers > 1) causes->push_back({"FieldValueForbidden", at, "Forbidden: may not specify more than 1 handler type"});
  if (probe.has_exec() && probe.exec().command().empty()) causes->push_back(RequiredCause(at + ".exec.command"));
  if (probe.has_http_get()) ValidateHttpGet(probe.http_get(), at + ".httpGet", causes);
  if (probe.has_tcp_socket()) ValidatePort(probe.tcp_socket().port(), at + ".tcpSocket.port", causes);
  for (auto [value, name] : {std::pair{probe.initial_delay_seconds(), "initialDelaySeconds"},
                             {probe.timeout_seconds(), "timeoutSeconds"},
                             {probe.period_seconds(), "periodSeconds"},
                             {probe.success_threshold(), "successThreshold"},
                             {probe.failure_threshold(), "failureThreshold"}}) {
    if (value < 0) causes->push_back(InvalidCause(absl::StrCat(at, ".", name), std::to_string(value), "must be greater than or equal to 0"));
  }
  if (single_success && probe.success_threshold() > 1) {
    causes->push_back(InvalidCause(at + ".successThreshold", std::to_string(probe.success_threshold()), "must be 1"));
  }
}

void ValidateHook(const LifecycleHandler& hook, const std::string& at, Causes* causes) {
  int handlers = hook.has_exec() + hook.has_http_get();  // none: a sleep or tcpSocket handler, dropped with a warning
  if (handlers > 1) causes->push_back({"FieldValueForbidden", at, "Forbidden: may not specify more than 1 handler type"});
  if (hook.has_exec() && hook.exec().command().empty()) causes->push_back(RequiredCause(at + ".exec.command"));
  if (hook.has_http_get()) ValidateHttpGet(hook.http_get(), at + ".httpGet", causes);
}

}  // namespace

void ValidateVolumes(const PodSpec& spec, std::vector<std::string>* volume_names, Causes* causes) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < spec.volumes_size(); ++i) {
    const Volume& v = spec.volumes(i);
    std::string at = absl::StrCat("spec.volumes[", i, "]");
    if (v.name().empty()) {
      causes->push_back(RequiredCause(at + ".name"));
    } else if (!IsDns1123Label(v.name())) {
      causes->push_back(InvalidCause(at + ".name", v.name(), "must be a DNS-1123 label"));
    } else if (!seen.insert(v.name()).second) {
      causes->push_back({"FieldValueDuplicate", at + ".name", absl::StrCat("Duplicate value: \"", v.name(), "\"")});
    }
    volume_names->push_back(v.name());
    ValidateVolume(v, at, causes);
  }
}

void ValidateContainerExtras(const Container& c, const std::string& path, const std::vector<std::string>& volume_names,
                             bool init, Causes* causes) {
  absl::flat_hash_set<std::string> mount_paths;
  for (int i = 0; i < c.volume_mounts_size(); ++i) {
    const VolumeMount& m = c.volume_mounts(i);
    std::string at = absl::StrCat(path, ".volumeMounts[", i, "]");
    if (m.name().empty()) {
      causes->push_back(RequiredCause(at + ".name"));
    } else if (std::find(volume_names.begin(), volume_names.end(), m.name()) == volume_names.end()) {
      causes->push_back({"FieldValueNotFound", at + ".name", absl::StrCat("Not found: \"", m.name(), "\"")});
    }
    if (m.mount_path().empty()) {
      causes->push_back(RequiredCause(at + ".mountPath"));
    } else if (!absl::StartsWith(m.mount_path(), "/")) {
      causes->push_back(InvalidCause(at + ".mountPath", m.mount_path(), "gantry mounts at absolute paths only"));
    } else if (!mount_paths.insert(m.mount_path()).second) {
      causes->push_back(InvalidCause(at + ".mountPath", m.mount_path(), "must be unique"));
    }
    if (!m.sub_path().empty()) ValidateRelativePath(m.sub_path(), at + ".subPath", causes);
  }
  for (int i = 0; i < c.env_from_size(); ++i) {
    const EnvFromSource& from = c.env_from(i);
    std::string at = absl::StrCat(path, ".envFrom[", i, "]");
    if (from.has_config_map_ref() == from.has_secret_ref()) {
      causes->push_back(InvalidCause(at, "", "must specify exactly one of configMapRef and secretRef"));
    }
    if (from.has_config_map_ref()) ValidateObjectName(from.config_map_ref().name(), at + ".configMapRef.name", causes);
    if (from.has_secret_ref()) ValidateObjectName(from.secret_ref().name(), at + ".secretRef.name", causes);
  }
  for (int i = 0; i < c.env_size(); ++i) {
    const EnvVarSource& from = c.env(i).value_from();
    std::string at = absl::StrCat(path, ".env[", i, "].valueFrom");
    int sources = from.has_field_ref() + from.has_resource_field_ref() + from.has_config_map_key_ref() + from.has_secret_key_ref();
    if (c.env(i).has_value_from() && sources != 1) {
      causes->push_back(InvalidCause(at, "", "must specify exactly one of fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef"));
    }
    for (auto [ref, name] : {std::pair{&from.config_map_key_ref(), "configMapKeyRef"}, {&from.secret_key_ref(), "secretKeyRef"}}) {
      if (ref->ByteSizeLong() == 0) continue;
      ValidateObjectName(ref->name(), absl::StrCat(at, ".", name, ".name"), causes);
      if (ref->key().empty()) causes->push_back(RequiredCause(absl::StrCat(at, ".", name, ".key")));
    }
  }
  if (init && (c.has_liveness_probe() || c.has_readiness_probe() || c.has_startup_probe() || c.has_lifecycle())) {
    causes->push_back({"FieldValueForbidden", path, "Forbidden: an init container may not have probes or lifecycle hooks"});
    return;
  }
  if (c.has_liveness_probe()) ValidateProbe(c.liveness_probe(), path + ".livenessProbe", true, causes);
  if (c.has_readiness_probe()) ValidateProbe(c.readiness_probe(), path + ".readinessProbe", false, causes);
  if (c.has_startup_probe()) ValidateProbe(c.startup_probe(), path + ".startupProbe", true, causes);
  if (c.lifecycle().has_post_start()) ValidateHook(c.lifecycle().post_start(), path + ".lifecycle.postStart", causes);
  if (c.lifecycle().has_pre_stop()) ValidateHook(c.lifecycle().pre_stop(), path + ".lifecycle.preStop", causes);
}

}  // namespace gantry::api
