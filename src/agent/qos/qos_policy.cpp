#include "agent/qos/qos_policy.h"

#include <absl/strings/str_cat.h>

#include <algorithm>

namespace gantry::agent::qos {

int64_t CpuShares(int64_t request_milli) { return std::max<int64_t>(2, request_milli * 1024 / 1000); }

ClassParent ClassParentOf(api::QosClass qos, int cpus) {
  if (qos == api::QosClass::kReclaimed) return {.cpu_shares = 2, .cpu_idle = true};
  return {.cpu_shares = CpuShares(int64_t{cpus} * 1000), .cpu_idle = false};
}

absl::StatusOr<PodQos> QosPolicy::Admit(const api::Pod& pod, const std::vector<int>& held_cpus) {
  auto qos_class = api::ParseQosClass(pod);
  if (!qos_class.ok()) return absl::FailedPreconditionError(qos_class.status().message());
  PodResources r = ResourcesOf(pod.spec());
  PodQos out;
  out.qos = *qos_class;
  const std::string& uid = pod.metadata().uid();
  switch (out.qos) {
    case api::QosClass::kDedicated: {
      if (!r.cpu_limit_milli || *r.cpu_limit_milli != r.cpu_request_milli || r.cpu_request_milli % 1000 != 0 ||
          r.cpu_request_milli == 0) {
        return absl::FailedPreconditionError(
            "a dedicated pod needs whole CPUs: integer cpu requests equal to its cpu limits in every container");
      }
      int count = static_cast<int>(r.cpu_request_milli / 1000);
      if (!held_cpus.empty() && static_cast<int>(held_cpus.size()) == count) {
        if (auto s = pools_.Restore(uid, held_cpus); !s.ok()) return s;
        out.cpus = held_cpus;
      } else {
        auto cpus = pools_.Allocate(uid, count);
        if (!cpus.ok()) return cpus.status();
        out.cpus = *std::move(cpus);
      }
      out.cpu_shares = CpuShares(r.cpu_request_milli);
      out.memory_limit_bytes = r.memory_limit_bytes;
      break;
    }
    case api::QosClass::kShared:
    case api::QosClass::kSystem:
      out.cpu_shares = CpuShares(r.cpu_request_milli);
      out.cpu_quota_milli = r.cpu_limit_milli;
      out.memory_limit_bytes = r.memory_limit_bytes;
      break;
    case api::QosClass::kReclaimed:
      out.cpu_shares = CpuShares(r.reclaimed_cpu_request_milli);
      out.cpu_quota_milli = r.reclaimed_cpu_limit_milli;
      if (int64_t parent = ReclaimedQuota(); parent > 0 && out.cpu_quota_milli) {
        out.cpu_quota_milli = std::min(*out.cpu_quota_milli, parent);
      }
      out.memory_limit_bytes = r.reclaimed_memory_limit_bytes;
      out.oom_score_adj = 1000;
      break;
  }
  absl::MutexLock lock(&mu_);
  pods_[uid] = AdmittedPod{uid, absl::StrCat(pod.metadata().namespace_(), "/", pod.metadata().name()),
                           pod.spec().priority(), out, r};
  return out;
}

bool QosPolicy::Release(const std::string& uid) {
  bool dedicated = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = pods_.find(uid);
    if (it == pods_.end()) return false;
    dedicated = !it->second.qos.cpus.empty();
    pods_.erase(it);
  }
  if (dedicated) pools_.Release(uid);
  return dedicated;
}

void QosPolicy::MarkEvicting(const std::string& uid) {
  absl::MutexLock lock(&mu_);
  if (auto it = pods_.find(uid); it != pods_.end()) it->second.evicting = true;
}

std::vector<AdmittedPod> QosPolicy::Pods() const {
  absl::MutexLock lock(&mu_);
  std::vector<AdmittedPod> out;
  out.reserve(pods_.size());
  for (const auto& [uid, pod] : pods_) out.push_back(pod);
  return out;
}

}  // namespace gantry::agent::qos
