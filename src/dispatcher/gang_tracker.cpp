#include "dispatcher/gang_tracker.h"

#include <absl/strings/str_cat.h>

namespace gantry::dispatcher {

GangTracker::Gang& GangTracker::AddPending(const std::string& gang_key, const std::string& display_name,
                                           const std::string& pod_key) {
  auto [it, added] = gangs_.try_emplace(gang_key);
  Gang& gang = it->second;
  if (added) {
    gang.display_name = display_name;
    gang.progress.first_seen = absl::Now();
  }
  gang.pending.insert(pod_key);
  gang.bound.erase(pod_key);
  return gang;
}

void GangTracker::RemovePending(const std::string& gang_key, const std::string& pod_key) {
  auto it = gangs_.find(gang_key);
  if (it == gangs_.end()) return;
  it->second.pending.erase(pod_key);
  Collect(gang_key);
}

void GangTracker::MarkBound(const std::string& gang_key, const std::string& pod_key) {
  auto [it, added] = gangs_.try_emplace(gang_key);
  it->second.pending.erase(pod_key);
  it->second.bound.insert(pod_key);
}

void GangTracker::ForgetBound(const std::string& gang_key, const std::string& pod_key) {
  auto it = gangs_.find(gang_key);
  if (it == gangs_.end()) return;
  it->second.bound.erase(pod_key);
  Collect(gang_key);
}

GangTracker::Gang& GangTracker::SetSpec(const std::string& gang_key, const std::string& display_name,
                                        std::optional<api::GangSpec> spec, std::optional<int32_t> priority) {
  auto [it, added] = gangs_.try_emplace(gang_key);
  if (added) it->second.progress.first_seen = absl::Now();
  it->second.display_name = display_name;
  it->second.spec = std::move(spec);
  it->second.priority = priority;
  return it->second;
}

GangTracker::Gang* GangTracker::Find(const std::string& gang_key) {
  auto it = gangs_.find(gang_key);
  return it == gangs_.end() ? nullptr : &it->second;
}

void GangTracker::Collect(const std::string& gang_key) {
  auto it = gangs_.find(gang_key);
  if (it == gangs_.end()) return;
  const Gang& gang = it->second;
  if (gang.pending.empty() && gang.bound.empty() && !gang.spec && gang.progress.state != UnitProgress::State::kInFlight) gangs_.erase(it);
}

std::string GangTracker::WaitReason(const Gang& gang, const cluster::ResourceVector& cluster_capacity) {
  if (!gang.spec) return absl::StrCat("pod group ", gang.display_name, " does not exist");
  const int32_t min = api::EffectiveMinMember(*gang.spec);
  const int64_t members = static_cast<int64_t>(gang.pending.size() + gang.bound.size());
  if (members < min) {
    return absl::StrCat("waiting for the ", min, " pods (minMember) of gang ", gang.display_name, " to exist");
  }
  if (!gang.spec->min_resources.empty()) {
    auto need = cluster::ResourceListOf(gang.spec->min_resources);
    if (!need.ok()) return absl::StrCat("gang ", gang.display_name, ": minResources: ", need.status().message());
    if (!cluster::Covers(cluster_capacity, *need)) {
      return absl::StrCat("gang ", gang.display_name, ": minResources exceed what the whole cluster can allocate");
    }
  }
  return "";
}

}  // namespace gantry::dispatcher
