#include "api/unmodeled_fields.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_split.h>

#include <string>

namespace gantry::api {

bool IsUnmodeledKubernetesField(absl::string_view path) {
  static const auto* kNames = new absl::flat_hash_set<std::string>{
      // metadata
      "selfLink",
      // pod spec
      "dnsPolicy", "dnsConfig", "serviceAccount", "automountServiceAccountToken",
      "imagePullSecrets", "enableServiceLinks", "securityContext", "hostIPC", "shareProcessNamespace",
      "hostAliases", "readinessGates", "runtimeClassName", "overhead", "topologySpreadConstraints",
      "setHostnameAsFQDN", "os", "schedulingGates", "resourceClaims", "ephemeralContainers", "hostUsers",
      "nodeName",
      // containers
      "volumeDevices", "terminationMessagePath", "terminationMessagePolicy", "stdin", "stdinOnce",
      "tty", "resizePolicy", "restartPolicy",
      // volume sources the agent does not provide, and parts of the modeled ones
      "persistentVolumeClaim", "ephemeral", "csi", "nfs", "iscsi", "image", "gitRepo", "rbd", "cephfs", "cinder",
      "fc", "flexVolume", "flocker", "glusterfs", "gcePersistentDisk", "awsElasticBlockStore", "azureDisk",
      "azureFile", "vsphereVolume", "quobyte", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
      "serviceAccountToken", "clusterTrustBundle", "mountPropagation", "subPathExpr", "recursiveReadOnly",
      // probe and hook handlers the agent does not run
      "grpc", "sleep", "tcpSocket",
      // pod and node status
      "podIPs", "hostIPs", "ephemeralContainerStatuses", "resize",
      "resourceClaimStatuses", "allocatedResources", "resources", "user", "stopSignal",
      "daemonEndpoints", "images", "volumesInUse", "volumesAttached", "config", "runtimeHandlers",
      "features",
      // node spec
      "configSource", "externalID",
      // events
      "related", "reportingController",
  };
  size_t dot = path.rfind('.');
  absl::string_view name = dot == absl::string_view::npos ? path : path.substr(dot + 1);
  return kNames->contains(std::string(name));
}

namespace {

// Walks "spec.containers[0].stdin" through `object`; nullptr when absent.
const nlohmann::json* FieldAt(const nlohmann::json& object, absl::string_view path) {
  const nlohmann::json* at = &object;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    size_t bracket = part.find('[');
    absl::string_view name = part.substr(0, bracket);
    if (!at->is_object()) return nullptr;
    auto it = at->find(std::string(name));
    if (it == at->end()) return nullptr;
    at = &*it;
    while (bracket != absl::string_view::npos) {
      size_t close = part.find(']', bracket);
      size_t index;
      if (close == absl::string_view::npos || !absl::SimpleAtoi(part.substr(bracket + 1, close - bracket - 1), &index) ||
          !at->is_array() || index >= at->size()) {
        return nullptr;
      }
      at = &(*at)[index];
      bracket = part.find('[', close);
    }
  }
  return at;
}

}  // namespace

bool HoldsKubernetesDefault(const nlohmann::json& object, absl::string_view path) {
  static const auto* kDefaults = new absl::flat_hash_map<std::string, nlohmann::json>{
      {"dnsPolicy", "ClusterFirst"},
      {"stdin", false},
      {"stdinOnce", false},
      {"tty", false},
      {"terminationMessagePath", "/dev/termination-log"},
      {"terminationMessagePolicy", "File"},
      {"enableServiceLinks", true},
      {"hostIPC", false},
      {"shareProcessNamespace", false},
      {"setHostnameAsFQDN", false},
  };
  const nlohmann::json* value = FieldAt(object, path);
  if (value == nullptr || value->is_null() || ((value->is_object() || value->is_array()) && value->empty())) {
    return true;
  }
  size_t dot = path.rfind('.');
  absl::string_view name = dot == absl::string_view::npos ? path : path.substr(dot + 1);
  auto it = kDefaults->find(std::string(name));
  return it != kDefaults->end() && it->second == *value;
}

}  // namespace gantry::api
