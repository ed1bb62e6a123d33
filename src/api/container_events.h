// The Events a node's status report implies, as kubelet records them: a
// container started (Created, Started), ended by the OOM killer (OOMKilling),
// waiting to be restarted (BackOff), or not startable (Failed with the
// reason, e.g. CreateContainerConfigError). Read from the change between the
// pod's stored status and the one its node reports, so each happens once.
#pragma once

#include <string>
#include <vector>

#include "api/events.h"
#include "core.pb.h"

namespace gantry::api {

std::vector<EventSpec> ContainerEvents(const PodStatus& before, const PodStatus& after, const std::string& component);

}  // namespace gantry::api
