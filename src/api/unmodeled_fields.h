// Fields that Kubernetes defines but gantry does not model (probes, volumes,
// security contexts, ...). A manifest carrying them is valid Kubernetes, so
// they are dropped with a warning even under fieldValidation=Strict, which
// rejects only fields Kubernetes itself does not have.
#pragma once

#include <absl/strings/string_view.h>

#include <nlohmann/json.hpp>

namespace gantry::api {

// `path` as DecodeJson reports it, e.g. "spec.containers[0].livenessProbe".
bool IsUnmodeledKubernetesField(absl::string_view path);

// True when the field at `path` in `object` holds what Kubernetes assumes
// when it is absent (its default, or an empty value): dropping it changes
// nothing, so no warning is due. kubectl run sends dnsPolicy: ClusterFirst
// and stdin: false on every pod.
bool HoldsKubernetesDefault(const nlohmann::json& object, absl::string_view path);

}  // namespace gantry::api
