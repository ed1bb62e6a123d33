// Admission on create and update: the namespace must exist, and a pod's
// priority comes from its PriorityClass (or the global default class).
#pragma once

#include <absl/status/status.h>
#include <google/protobuf/message.h>

#include "api/kinds.h"
#include "store/store.h"

namespace gantry::apiserver {

class Admission {
 public:
  explicit Admission(const store::Store& store) : store_(store) {}

  absl::Status AdmitCreate(const api::KindInfo& kind, google::protobuf::Message* object) const;

 private:
  absl::Status AdmitPodPriority(google::protobuf::Message* object) const;

  const store::Store& store_;
};

}  // namespace gantry::apiserver
