// How the process runtime lays the QoS policy's decisions out in cgroups:
// {dedicated,shared,reclaimed,system}/pod<uid>/<container> below gantry's
// group, each level with the settings below.
#pragma once

#include <string>

#include "agent/qos/qos_policy.h"
#include "agent/runtime/cgroup_driver.h"
#include "api/qos.h"
#include "core.pb.h"

namespace gantry::agent {

inline constexpr api::QosClass kQosClasses[] = {api::QosClass::kDedicated, api::QosClass::kShared,
                                                api::QosClass::kReclaimed, api::QosClass::kSystem};

std::string ClassGroup(api::QosClass qos);
std::string PodGroup(api::QosClass qos, const std::string& uid);
// A class's parent: dedicated spans every CPU, the others the shared pool.
CgroupSettings ClassParentSettings(api::QosClass qos, int cpus, const std::string& shared_pool);
CgroupSettings PodSettings(const qos::PodQos& pod);
// A container's group inside its pod's: its own share of the pod's limits.
CgroupSettings ContainerSettings(const api::Container& container, const qos::PodQos& pod);

}  // namespace gantry::agent
