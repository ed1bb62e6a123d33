#include <doctest/doctest.h>

#include "api/kinds.h"
#include "api/validation.h"
#include "yaml_objects.h"

namespace {

std::string Causes(const std::string& yaml) {
  auto pod = FromYaml<gantry::api::Pod>(yaml);
  const auto* kind = gantry::api::FindKindByApiVersion("v1", "Pod");
  absl::Status s = gantry::api::Validate(*kind, *pod, nullptr);
  std::string out;
  for (const auto& cause : gantry::api::DetailsOf(s).causes) out += cause.field + ": " + cause.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("volumes and mounts are validated with Kubernetes' field paths") {
  CHECK(Causes(R"(
metadata: {name: p}
spec:
  restartPolicy: Always
  containers:
  - name: c
    image: i
    volumeMounts:
    - {name: nowhere, mountPath: /a}
    - {name: data, mountPath: relative}
    - {name: data, mountPath: /b, subPath: ../escape}
  volumes:
  - {name: data, emptyDir: {medium: Disk}}
  - {name: data, hostPath: {path: relative, type: Folder}}
  - {name: both, emptyDir: {}, configMap: {name: x}}
  - {name: cm, configMap: {name: x, defaultMode: 4095, items: [{key: k, path: /abs}]}}
)") == "spec.volumes[0].emptyDir.medium: Unsupported value: \"Disk\": supported values: \"\", \"Memory\"\n"
        "spec.volumes[1].name: Duplicate value: \"data\"\n"
        "spec.volumes[1].hostPath.path: Invalid value: \"relative\": must be an absolute path\n"
        "spec.volumes[1].hostPath.type: Unsupported value: \"Folder\": supported values: \"\", \"BlockDevice\", "
        "\"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"\n"
        "spec.volumes[2]: Forbidden: may not specify more than 1 volume type\n"
        "spec.volumes[3].configMap.items[0].path: Invalid value: \"/abs\": must be a relative path\n"
        "spec.volumes[3].configMap.defaultMode: Invalid value: \"4095\": must be a number between 0 and 0777 (octal), "
        "both inclusive\n"
        "spec.containers[0].volumeMounts[0].name: Not found: \"nowhere\"\n"
        "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"relative\": gantry mounts at absolute paths only\n"
        "spec.containers[0].volumeMounts[2].subPath: Invalid value: \"../escape\": must not contain '..'\n");
}

TEST_CASE("probes and hooks have at most one handler (none: a grpc probe gantry dropped); init containers have none") {
  CHECK(Causes(R"(
metadata: {name: p}
spec:
  restartPolicy: Always
  initContainers:
  - {name: init, image: i, readinessProbe: {exec: {command: ["true"]}}}
  containers:
  - name: c
    image: i
    livenessProbe: {exec: {command: ["true"]}, successThreshold: 2}
    startupProbe: {periodSeconds: 5}
    readinessProbe: {httpGet: {port: 70000}, tcpSocket: {port: 80}}
    lifecycle: {preStop: {exec: {}}}
)") == "spec.containers[0].livenessProbe.successThreshold: Invalid value: \"2\": must be 1\n"
        "spec.containers[0].readinessProbe: Forbidden: may not specify more than 1 handler type\n"
        "spec.containers[0].readinessProbe.httpGet.port: Invalid value: \"70000\": must be between 1 and 65535, inclusive\n"
        "spec.containers[0].lifecycle.preStop.exec.command: Required value\n"
        "spec.initContainers[0]: Forbidden: an init container may not have probes or lifecycle hooks\n");
}
