// Fields that Kubernetes defines but gantry does not model (probes, volumes,
// security contexts, ...). A manifest carrying them is valid Kubernetes, so
// they are dropped with a warning even under fieldValidation=Strict, which
// rejects only fields Kubernetes itself does not have.
#pragma once

#include <absl/strings/string_view.h>

namespace gantry::api {

// `path` as DecodeJson reports it, e.g. "spec.containers[0].livenessProbe".
bool IsUnmodeledKubernetesField(absl::string_view path);

}  // namespace gantry::api
