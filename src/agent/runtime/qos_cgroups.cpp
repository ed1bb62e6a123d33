#include "agent/runtime/qos_cgroups.h"

#include <absl/strings/str_cat.h>

#include "agent/qos/cpu_pools.h"
#include "agent/qos/pod_resources.h"

namespace gantry::agent {

std::string ClassGroup(api::QosClass qos) { return std::string(api::QosClassName(qos)); }

std::string PodGroup(api::QosClass qos, const std::string& uid) { return absl::StrCat(ClassGroup(qos), "/pod", uid); }

CgroupSettings ClassParentSettings(api::QosClass qos, int cpus, const std::string& shared_pool) {
  qos::ClassParent parent = qos::ClassParentOf(qos, cpus);
  CgroupSettings out;
  out.cpu_shares = parent.cpu_shares;
  out.cpu_idle = parent.cpu_idle;
  if (qos != api::QosClass::kDedicated) out.cpuset = shared_pool;
  return out;
}

CgroupSettings PodSettings(const qos::PodQos& pod) {
  CgroupSettings out;
  out.cpu_shares = pod.cpu_shares;
  out.cpu_quota_milli = pod.cpu_quota_milli;
  out.memory_limit_bytes = pod.memory_limit_bytes;
  out.cpuset = qos::FormatCpuList(pod.cpus);
  return out;
}

CgroupSettings ContainerSettings(const api::Container& container, const qos::PodQos& pod) {
  qos::PodResources r = qos::ResourcesOf(container);
  CgroupSettings out;
  out.cpuset = qos::FormatCpuList(pod.cpus);
  if (pod.qos == api::QosClass::kReclaimed) {
    // The pod's quota moves with the reclaimed parent's; its containers share it.
    out.cpu_shares = qos::CpuShares(r.reclaimed_cpu_request_milli);
    out.memory_limit_bytes = r.reclaimed_memory_limit_bytes;
  } else {
    out.cpu_shares = qos::CpuShares(r.cpu_request_milli);
    out.cpu_quota_milli = r.cpu_limit_milli;
    out.memory_limit_bytes = r.memory_limit_bytes;
  }
  return out;
}

}  // namespace gantry::agent
