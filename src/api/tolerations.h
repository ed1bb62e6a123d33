#pragma once

#include "core.pb.h"

namespace gantry::api {

// Kubernetes' rule: the effect matches (or the toleration names none), the
// key matches (an empty key with Exists matches every key), and Exists
// ignores the value while Equal compares it.
bool Tolerates(const Toleration& toleration, const Taint& taint);
bool ToleratesAny(const google::protobuf::RepeatedPtrField<Toleration>& tolerations, const Taint& taint);

}  // namespace gantry::api
