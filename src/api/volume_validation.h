// Validation of what a pod asks of its node beyond processes: volumes and
// their mounts, env from ConfigMaps and Secrets, probes and lifecycle hooks,
// with Kubernetes' field paths and messages.
#pragma once

#include <string>
#include <vector>

#include "api/errors.h"
#include "core.pb.h"

namespace gantry::api {

// spec.volumes; their names go to `volume_names` for the mounts' check.
void ValidateVolumes(const PodSpec& spec, std::vector<std::string>* volume_names, std::vector<FieldCause>* causes);

// One container's volumeMounts, envFrom, valueFrom key refs, probes and hooks; `path` is
// "spec.containers[0]".
void ValidateContainerExtras(const Container& c, const std::string& path, const std::vector<std::string>& volume_names,
                             bool init, std::vector<FieldCause>* causes);

}  // namespace gantry::api
