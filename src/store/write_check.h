// Whether one write may happen against the object as it is now: a create
// needs the name free, an update the object present with the expected
// resourceVersion and UID, a delete its preconditions met. Shared by the
// store that writes and the dry run that only checks.
#pragma once

#include <absl/status/status.h>
#include <absl/strings/string_view.h>
#include <google/protobuf/message.h>

#include "store/store.h"

namespace gantry::store {

// `current` is null when the object does not exist; `resource` names the
// kind in errors ("pods", "podgroups.scheduling.x-k8s.io").
absl::Status CheckWrite(const WriteOp& op, const google::protobuf::Message* current, absl::string_view resource);

}  // namespace gantry::store
