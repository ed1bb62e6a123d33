#pragma once

#include "core.pb.h"

namespace gantry::scheduler {

// Kubernetes' rule: the effect matches (or the toleration names none), the
// key matches (an empty key with Exists matches every key), and Exists
// ignores the value while Equal compares it.
bool Tolerates(const api::Toleration& toleration, const api::Taint& taint);
bool ToleratesAny(const google::protobuf::RepeatedPtrField<api::Toleration>& tolerations, const api::Taint& taint);

}  // namespace gantry::scheduler
