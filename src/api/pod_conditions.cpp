#include "api/pod_conditions.h"

#include "common/time_format.h"

namespace gantry::api {

const PodCondition* FindPodCondition(const Pod& pod, const std::string& type) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

void SetPodCondition(Pod& pod, const std::string& type, const std::string& status, const std::string& reason,
                     const std::string& message) {
  PodCondition* cond = nullptr;
  for (auto& c : *pod.mutable_status()->mutable_conditions()) {
    if (c.type() == type) cond = &c;
  }
  if (cond == nullptr) {
    cond = pod.mutable_status()->add_conditions();
    cond->set_type(type);
  }
  if (cond->status() != status) cond->set_last_transition_time(NowRfc3339());
  cond->set_status(status);
  cond->set_reason(reason);
  cond->set_message(message);
}

}  // namespace gantry::api
