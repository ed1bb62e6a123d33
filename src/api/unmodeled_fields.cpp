#include "api/unmodeled_fields.h"

#include <absl/container/flat_hash_set.h>

#include <string>

namespace gantry::api {

bool IsUnmodeledKubernetesField(absl::string_view path) {
  static const auto* kNames = new absl::flat_hash_set<std::string>{
      // metadata
      "managedFields", "selfLink",
      // pod spec
      "volumes", "dnsPolicy", "dnsConfig", "serviceAccount", "automountServiceAccountToken",
      "imagePullSecrets", "enableServiceLinks", "securityContext", "hostIPC", "shareProcessNamespace",
      "hostAliases", "readinessGates", "runtimeClassName", "overhead", "topologySpreadConstraints",
      "setHostnameAsFQDN", "os", "schedulingGates", "resourceClaims", "ephemeralContainers", "hostUsers",
      "nodeName",
      // containers
      "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "volumeMounts", "volumeDevices",
      "envFrom", "valueFrom", "terminationMessagePath", "terminationMessagePolicy", "stdin", "stdinOnce",
      "tty", "resizePolicy", "restartPolicy",
      // pod and node status
      "podIPs", "hostIPs", "initContainerStatuses", "ephemeralContainerStatuses", "resize",
      "resourceClaimStatuses", "allocatedResources", "resources", "user", "stopSignal",
      "daemonEndpoints", "images", "volumesInUse", "volumesAttached", "config", "runtimeHandlers",
      "features",
      // node spec
      "configSource", "externalID",
      // events
      "series", "related", "reportingController",
  };
  size_t dot = path.rfind('.');
  absl::string_view name = dot == absl::string_view::npos ? path : path.substr(dot + 1);
  return kNames->contains(std::string(name));
}

}  // namespace gantry::api
