#include "controllers/pod_group_status.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/util/message_differencer.h>
#include <spdlog/spdlog.h>

#include <functional>

#include "api/events.h"
#include "api/kinds.h"
#include "api/object_meta.h"
#include "common/log_format.h"
#include "common/stoppable_sleep.h"
#include "common/time_format.h"
#include "core.pb.h"

namespace gantry::controllers {
namespace {

// Pod changes arrive in bursts (a gang binds at once): gather them.
constexpr absl::Duration kCoalesce = absl::Milliseconds(200);


struct Work {
  const api::PodGroupShape* shape;
  std::shared_ptr<const google::protobuf::Message> group;
  api::GangSpec spec;
  api::GangObservation seen;
  std::vector<api::EventSpec> events;
};

}  // namespace

PodGroupStatusController::PodGroupStatusController(store::Store& store) : store_(store) {}

PodGroupStatusController::~PodGroupStatusController() { Stop(); }

absl::Status PodGroupStatusController::Start() {
  auto pods = store_.Watch(*api::FindKindByResource("", "v1", "pods"), {}, 0);
  if (!pods.ok()) return pods.status();
  streams_.push_back(*pods);
  watches_.emplace_back([this, s = *pods](std::stop_token stop) {
    store::FollowWatchLoggingEnd(stop, *s, "pod group status", [this](const store::WatchEvent& e) { OnPod(e); });
  });
  for (const api::PodGroupShape* shape : api::PodGroupShapes()) {
    auto groups = store_.Watch(shape->kind(), {}, 0);
    if (!groups.ok()) return groups.status();
    streams_.push_back(*groups);
    watches_.emplace_back([this, s = *groups](std::stop_token stop) {
      store::FollowWatchLoggingEnd(stop, *s, "pod group status", [this](const store::WatchEvent& e) { OnGroup(e); });
    });
  }
  loop_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  return absl::OkStatus();
}

void PodGroupStatusController::Stop() {
  loop_.request_stop();
  for (auto& w : watches_) w.request_stop();
  for (const auto& s : streams_) s->Cancel();
  if (loop_.joinable()) loop_.join();
  watches_.clear();
}

void PodGroupStatusController::Mark(const std::string& key) {
  dirty_.push_back(key);
  wake_.notify_one();
}

void PodGroupStatusController::OnPod(const store::WatchEvent& event) {
  const auto& pod = static_cast<const api::Pod&>(*event.object);
  auto ref = api::GangOf(pod);
  if (!ref) return;
  std::string key = ref->Key(pod.metadata().namespace_());
  std::string member = absl::StrCat(pod.metadata().namespace_(), "/", pod.metadata().name());
  std::lock_guard lock(mu_);
  Gang& gang = gangs_[key];
  gang.shape = ref->shape;
  if (event.type == store::WatchEvent::Type::kDeleted || !pod.metadata().deletion_timestamp().empty()) {
    gang.members.erase(member);
  } else {
    gang.members[member] = {!pod.spec().node_name().empty(), pod.status().phase(),
                            pod.spec().has_priority() ? pod.spec().priority() : 0};
    gang.first_member = std::min(gang.first_member, absl::Now());
  }
  Mark(key);
}

void PodGroupStatusController::OnGroup(const store::WatchEvent& event) {
  const api::PodGroupShape* shape = api::FindPodGroupShape(*event.object);
  if (shape == nullptr) return;
  const api::ObjectMeta& meta = api::MetaOf(*event.object);
  std::string key = api::GangRef{shape, meta.name()}.Key(meta.namespace_());
  std::lock_guard lock(mu_);
  if (event.type == store::WatchEvent::Type::kDeleted) {
    gangs_.erase(key);
    return;
  }
  Gang& gang = gangs_[key];
  gang.shape = shape;
  gang.group = event.object;
  gang.spec = shape->Spec(*event.object);
  Mark(key);
}

void PodGroupStatusController::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      // Sleep until something changed or the next timeout is due.
      absl::Time next = absl::InfiniteFuture();
      for (const auto& [key, gang] : gangs_) {
        if (gang.group == nullptr || gang.timeout_reported || gang.members.empty()) continue;
        next = std::min(next, gang.first_member + api::EffectiveScheduleTimeout(gang.spec));
      }
      auto ready = [this] { return !dirty_.empty(); };
      if (next == absl::InfiniteFuture()) {
        wake_.wait(lock, stop, ready);
      } else {
        wake_.wait_for(lock, stop, absl::ToChronoNanoseconds(std::max(next - absl::Now(), absl::ZeroDuration())),
                       ready);
      }
    }
    if (!SleepUnlessStopped(stop, kCoalesce)) return;
    Reconcile(absl::Now());
  }
}

void PodGroupStatusController::Reconcile(absl::Time now) {
  std::vector<Work> work;
  {
    std::lock_guard lock(mu_);
    absl::flat_hash_set<std::string> keys(dirty_.begin(), dirty_.end());
    dirty_.clear();
    for (auto& [key, gang] : gangs_) {
      if (gang.group == nullptr || gang.timeout_reported || gang.members.empty()) continue;
      if (gang.first_member + api::EffectiveScheduleTimeout(gang.spec) <= now) keys.insert(key);
    }
    for (const std::string& key : keys) {
      auto it = gangs_.find(key);
      if (it == gangs_.end() || it->second.group == nullptr) continue;
      Gang& gang = it->second;
      Work w{gang.shape, gang.group, gang.spec, {}, {}};
      const int32_t min = api::EffectiveMinMember(w.spec);
      absl::flat_hash_set<int32_t> priorities;
      for (const auto& [name, m] : gang.members) {
        ++w.seen.members;
        if (m.bound) ++w.seen.scheduled;
        if (m.phase == "Running") ++w.seen.running;
        if (m.phase == "Succeeded") ++w.seen.succeeded;
        if (m.phase == "Failed") ++w.seen.failed;
        priorities.insert(m.priority);
      }
      const absl::Duration timeout = api::EffectiveScheduleTimeout(w.spec);
      w.seen.timed_out = !gang.members.empty() && w.seen.scheduled < min && gang.first_member + timeout <= now;
      if (gang.first_member != absl::InfiniteFuture()) w.seen.schedule_start_time = Rfc3339(gang.first_member);
      w.seen.now = Rfc3339(now);
      const std::string name = api::MetaOf(*gang.group).namespace_() + "/" + api::MetaOf(*gang.group).name();
      if (w.seen.timed_out && !gang.timeout_reported) {
        gang.timeout_reported = true;
        w.events.push_back({.type = "Warning", .reason = "Timeout",
                            .message = absl::StrCat("gang ", name, " was not scheduled within ",
                                                    absl::FormatDuration(timeout), ": ", w.seen.scheduled, " of ",
                                                    min, " pods bound; still retrying"),
                            .component = "gantry-scheduler"});
      }
      if (priorities.size() > 1 && !gang.priority_warned) {
        gang.priority_warned = true;
        w.events.push_back({.type = "Warning", .reason = "PriorityMismatch",
                            .message = absl::StrCat("the pods of gang ", name,
                                                    " have different priorities; the gang goes by the highest"),
                            .component = "gantry-scheduler"});
      }
      work.push_back(std::move(w));
    }
  }
  static const api::KindInfo* events = api::FindKindByResource("", "v1", "events");
  for (Work& w : work) {
    std::unique_ptr<google::protobuf::Message> updated(w.group->New());
    updated->CopyFrom(*w.group);
    w.shape->WriteStatus(w.spec, w.seen, updated.get());
    std::vector<store::WriteOp> ops;
    const api::ObjectMeta& meta = api::MetaOf(*w.group);
    if (!google::protobuf::util::MessageDifferencer::Equals(*updated, *w.group)) {
      ops.push_back({store::WriteOp::Type::kUpdate, &w.shape->kind(), meta.namespace_(), meta.name(),
                     std::move(updated), {}});
    }
    for (const api::EventSpec& e : w.events) {
      auto event = api::NewEvent(w.shape->kind(), *w.group, e);
      std::string name = event->metadata().name();
      ops.push_back({store::WriteOp::Type::kCreate, events, meta.namespace_(), name, std::move(event), {}});
    }
    if (ops.empty()) continue;
    for (const auto& r : store_.Commit(std::move(ops))) {
      // A conflict means the group changed: its watch event marks it again.
      if (!r.ok()) spdlog::debug("pod group status: {}/{}: {}", meta.namespace_(), meta.name(), r.status());
    }
  }
}

}  // namespace gantry::controllers
