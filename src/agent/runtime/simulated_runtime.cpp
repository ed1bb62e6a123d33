#include "agent/runtime/simulated_runtime.h"

#include <absl/strings/str_cat.h>

#include "common/time_format.h"

namespace gantry::agent {

void SimulatedRuntime::Apply(const api::Pod& pod) {
  const std::string& uid = pod.metadata().uid();
  if (!pod.metadata().deletion_timestamp().empty()) {
    {
      std::lock_guard lock(mu_);
      running_.erase(uid);
    }
    sink_.Stopped(pod);
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (!running_.insert(uid).second) return;
  }
  std::string now = NowRfc3339();
  api::PodStatus status;
  status.set_phase("Running");
  status.set_start_time(now);
  status.set_qos_class(pod.status().qos_class());
  for (const char* type : {"Initialized", "ContainersReady", "Ready"}) {
    auto* cond = status.add_conditions();
    cond->set_type(type);
    cond->set_status("True");
    cond->set_last_transition_time(now);
  }
  for (const auto& c : pod.spec().containers()) {
    auto* cs = status.add_container_statuses();
    cs->set_name(c.name());
    cs->set_image(c.image());
    cs->set_ready(true);
    cs->set_started(true);
    cs->set_restart_count(0);
    cs->set_container_id(absl::StrCat("simulated://", uid, "/", c.name()));
    cs->mutable_state()->mutable_running()->set_started_at(now);
  }
  sink_.StatusChanged(pod, status);
}

void SimulatedRuntime::Remove(const std::string& uid) {
  std::lock_guard lock(mu_);
  running_.erase(uid);
}

void SimulatedRuntime::Retain(const std::vector<std::string>& uids) {
  absl::flat_hash_set<std::string> keep(uids.begin(), uids.end());
  std::lock_guard lock(mu_);
  absl::erase_if(running_, [&](const std::string& uid) { return !keep.contains(uid); });
}

}  // namespace gantry::agent
