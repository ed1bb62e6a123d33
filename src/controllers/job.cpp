#include "controllers/job.h"

#include <absl/container/btree_set.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <optional>

#include "api/object_meta.h"
#include "api/pod_template.h"
#include "batch.pb.h"
#include "common/time_format.h"
#include "controllers/owned_objects.h"
#include "controllers/pod_deletion.h"

namespace gantry::controllers {
namespace {

const api::KindInfo& Jobs() { return *api::FindKindByResource("batch", "v1", "jobs"); }
const api::KindInfo& Pods() { return *api::FindKindByResource("", "v1", "pods"); }

constexpr absl::Duration kBackoffBase = absl::Seconds(10);
constexpr absl::Duration kBackoffMax = absl::Minutes(6);

const api::JobCondition* FindCondition(const api::JobStatus& status, absl::string_view type) {
  for (const auto& c : status.conditions()) {
    if (c.type() == type && c.status() == "True") return &c;
  }
  return nullptr;
}

void SetCondition(api::JobStatus* status, const std::string& type, const std::string& value, const std::string& reason,
                  const std::string& message, absl::Time now) {
  for (auto& c : *status->mutable_conditions()) {
    if (c.type() != type) continue;
    if (c.status() == value && c.reason() == reason && c.message() == message) return;
    if (c.status() != value) c.set_last_transition_time(Rfc3339(now));
    c.set_status(value);
    c.set_reason(reason);
    c.set_message(message);
    c.set_last_probe_time(Rfc3339(now));
    return;
  }
  api::JobCondition* c = status->add_conditions();
  c->set_type(type);
  c->set_status(value);
  c->set_reason(reason);
  c->set_message(message);
  c->set_last_probe_time(Rfc3339(now));
  c->set_last_transition_time(Rfc3339(now));
}

std::optional<int32_t> IndexOf(const api::Pod& pod) {
  auto it = pod.metadata().annotations().find(std::string(api::kJobCompletionIndexAnnotation));
  int32_t index = 0;
  if (it == pod.metadata().annotations().end() || !absl::SimpleAtoi(it->second, &index) || index < 0) return std::nullopt;
  return index;
}

// "1,3-5" as Kubernetes writes completedIndexes.
std::string IndexRanges(const absl::btree_set<int32_t>& indexes) {
  std::vector<std::string> ranges;
  for (auto it = indexes.begin(); it != indexes.end();) {
    int32_t first = *it;
    int32_t last = first;
    while (++it != indexes.end() && *it == last + 1) last = *it;
    ranges.push_back(first == last ? std::to_string(first) : absl::StrCat(first, "-", last));
  }
  return absl::StrJoin(ranges, ",");
}

enum class Verdict { kCount, kIgnore, kFailJob };

// What podFailurePolicy says of a failed pod: the first rule that matches decides.
Verdict JudgeFailure(const api::PodFailurePolicy& policy, const api::Pod& pod) {
  for (const auto& rule : policy.rules()) {
    bool matches = false;
    if (rule.has_on_exit_codes()) {
      const auto& req = rule.on_exit_codes();
      for (const auto& status : pod.status().container_statuses()) {
        if (!req.container_name().empty() && req.container_name() != status.name()) continue;
        if (!status.state().has_terminated()) continue;
        int32_t code = status.state().terminated().exit_code();
        if (code == 0) continue;
        bool listed = std::find(req.values().begin(), req.values().end(), code) != req.values().end();
        if (listed == (req.operator_() == "In")) matches = true;
      }
    }
    for (const auto& pattern : rule.on_pod_conditions()) {
      for (const auto& c : pod.status().conditions()) {
        if (c.type() == pattern.type() && c.status() == pattern.status()) matches = true;
      }
    }
    if (!matches) continue;
    if (rule.action() == "Ignore") return Verdict::kIgnore;
    if (rule.action() == "FailJob") return Verdict::kFailJob;
    return Verdict::kCount;
  }
  return Verdict::kCount;
}

api::Pod PodForIndex(const api::Job& job, std::optional<int32_t> index) {
  const std::string& name = job.metadata().name();
  if (!index) return api::PodFromTemplate(job.spec().template_(), Jobs(), job.metadata(), absl::StrCat(name, "-"));
  api::Pod pod =
      api::PodFromTemplate(job.spec().template_(), Jobs(), job.metadata(), absl::StrCat(name, "-", *index, "-"));
  std::string text = std::to_string(*index);
  (*pod.mutable_metadata()->mutable_annotations())[std::string(api::kJobCompletionIndexAnnotation)] = text;
  (*pod.mutable_metadata()->mutable_labels())[std::string(api::kJobCompletionIndexAnnotation)] = text;
  if (pod.spec().hostname().empty()) pod.mutable_spec()->set_hostname(absl::StrCat(name, "-", text));
  auto set_env = [&text](api::Container& c) {
    api::EnvVar* env = c.add_env();
    env->set_name("JOB_COMPLETION_INDEX");
    env->set_value(text);
  };
  for (auto& c : *pod.mutable_spec()->mutable_containers()) set_env(c);
  for (auto& c : *pod.mutable_spec()->mutable_init_containers()) set_env(c);
  return pod;
}

}  // namespace

JobController::JobController(store::Store& store, store::EventRecorder* events)
    : ReconcilingController(store, "job controller", events) {}

JobController::~JobController() { Stop(); }

absl::Status JobController::Subscribe(WatchFeed& feed) {
  if (auto s = feed.Follow(Jobs(), [this](const store::WatchEvent& e) { queue_.Add(KeyOf(api::MetaOf(*e.object))); });
      !s.ok()) {
    return s;
  }
  return feed.Follow(Pods(), [this](const store::WatchEvent& e) { EnqueueController(api::MetaOf(*e.object), Jobs()); });
}

absl::StatusOr<absl::Duration> JobController::Reconcile(const std::string& key, absl::Time now) {
  auto [namespace_, name] = SplitKey(key);
  auto current = store_.Get(Jobs(), namespace_, name);
  if (absl::IsNotFound(current.status())) return absl::ZeroDuration();
  if (!current.ok()) return current.status();
  const auto& job = static_cast<const api::Job&>(**current);
  if (!job.metadata().deletion_timestamp().empty()) return absl::ZeroDuration();
  const api::JobSpec& spec = job.spec();

  const api::JobCondition* finished = FindCondition(job.status(), "Complete");
  if (finished == nullptr) finished = FindCondition(job.status(), "Failed");
  if (finished != nullptr) {
    if (!spec.has_ttl_seconds_after_finished()) return absl::ZeroDuration();
    auto at = ParseRfc3339(finished->last_transition_time());
    absl::Time expires = at.value_or(now) + absl::Seconds(spec.ttl_seconds_after_finished());
    if (now < expires) return expires - now;
    auto gone = store_.Delete(Jobs(), namespace_, name, UidPrecondition(job.metadata().uid()));
    if (!gone.ok() && !absl::IsNotFound(gone.status())) return gone.status();
    return absl::ZeroDuration();
  }

  auto owned = ListControlled(store_, Pods(), namespace_, spec.selector(), job.metadata().uid());
  if (!owned.ok()) return owned.status();
  const bool indexed = spec.completion_mode() == "Indexed";
  std::vector<const api::Pod*> active;
  absl::btree_set<int32_t> succeeded_indexes;
  absl::btree_set<int32_t> active_indexes;
  int32_t succeeded = 0;
  int32_t failed = 0;
  int32_t ready = 0;
  bool fail_now = false;
  absl::Time last_failure = absl::InfinitePast();
  for (const auto& object : *owned) {
    const auto& pod = static_cast<const api::Pod&>(*object);
    const std::string& phase = pod.status().phase();
    if (phase == "Succeeded") {
      ++succeeded;
      if (auto index = IndexOf(pod)) succeeded_indexes.insert(*index);
    } else if (phase == "Failed") {
      Verdict verdict = JudgeFailure(spec.pod_failure_policy(), pod);
      if (verdict == Verdict::kIgnore) continue;
      fail_now = fail_now || verdict == Verdict::kFailJob;
      ++failed;
      for (const auto& cs : pod.status().container_statuses()) {
        if (auto at = ParseRfc3339(cs.state().terminated().finished_at())) last_failure = std::max(last_failure, *at);
      }
    } else if (api::IsActivePod(pod)) {
      active.push_back(&pod);
      if (api::IsPodReady(pod)) ++ready;
      if (auto index = IndexOf(pod)) active_indexes.insert(*index);
      if (spec.template_().spec().restart_policy() == "OnFailure") {
        for (const auto& cs : pod.status().container_statuses()) failed += cs.restart_count();
      }
    }
  }
  if (indexed) succeeded = static_cast<int32_t>(succeeded_indexes.size());

  api::JobStatus status = job.status();
  if (status.start_time().empty() && !spec.suspend()) status.set_start_time(Rfc3339(now));
  absl::Duration again = absl::ZeroDuration();
  bool stop_active = false;
  auto started = ParseRfc3339(status.start_time());
  const bool complete = spec.has_completions() ? succeeded >= spec.completions() : succeeded > 0 && active.empty();
  if (complete) {
    stop_active = true;
    SetCondition(&status, "Complete", "True", "", "", now);
    status.set_completion_time(Rfc3339(now));
  } else if (fail_now) {
    stop_active = true;
    SetCondition(&status, "Failed", "True", "PodFailurePolicy", "Container failed with an exit code matched by a FailJob rule of the Job's podFailurePolicy", now);
  } else if (failed > spec.backoff_limit()) {
    stop_active = true;
    SetCondition(&status, "Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
  } else if (spec.has_active_deadline_seconds() && started &&
             now - *started >= absl::Seconds(spec.active_deadline_seconds())) {
    stop_active = true;
    SetCondition(&status, "Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline", now);
  } else if (spec.suspend()) {
    stop_active = true;
    SetCondition(&status, "Suspended", "True", "JobSuspended", "Job suspended", now);
  } else {
    if (FindCondition(status, "Suspended")) SetCondition(&status, "Suspended", "False", "JobResumed", "Job resumed", now);
    // A failed pod is replaced after a backoff, as Kubernetes does.
    absl::Time retry_at = failed == 0 ? absl::InfinitePast()
                                      : last_failure + std::min(kBackoffMax, kBackoffBase * (1 << std::min(failed - 1, 6)));
    if (retry_at > now) {
      again = retry_at - now;
    } else {
      std::vector<std::unique_ptr<google::protobuf::Message>> pods;
      int32_t room = spec.parallelism() - static_cast<int32_t>(active.size());
      if (indexed) {
        for (int32_t i = 0; i < spec.completions() && room > 0; ++i) {
          if (succeeded_indexes.contains(i) || active_indexes.contains(i)) continue;
          pods.push_back(std::make_unique<api::Pod>(PodForIndex(job, i)));
          --room;
        }
      } else {
        int32_t remaining = spec.has_completions() ? spec.completions() - succeeded - static_cast<int32_t>(active.size())
                                                   : (succeeded > 0 ? 0 : room);
        for (int32_t i = 0; i < std::min(room, remaining); ++i) {
          pods.push_back(std::make_unique<api::Pod>(PodForIndex(job, std::nullopt)));
        }
      }
      CreateOutcome outcome = CreateInSlowStartBatches(store_, Pods(), std::move(pods));
      if (outcome.created > 0) {
        Record(Jobs(), job, "Normal", "SuccessfulCreate", absl::StrCat("Created ", outcome.created, " pods"));
      }
      if (!outcome.first_error.ok()) {
        Record(Jobs(), job, "Warning", "FailedCreate", absl::StrCat("Error creating: ", outcome.first_error.message()));
        return outcome.first_error;
      }
    }
    if (spec.has_active_deadline_seconds() && started) {
      absl::Duration left = *started + absl::Seconds(spec.active_deadline_seconds()) - now;
      again = again > absl::ZeroDuration() ? std::min(again, left) : left;
    }
  }
  if (stop_active && !spec.suspend()) {
    // The condition that finished the Job, as an Event (Completed, BackoffLimitExceeded, ...).
    for (const auto& c : status.conditions()) {
      if (c.status() != "True" || (c.type() != "Complete" && c.type() != "Failed")) continue;
      Record(Jobs(), job, c.type() == "Complete" ? "Normal" : "Warning", c.type() == "Complete" ? "Completed" : c.reason(),
             c.type() == "Complete" ? "Job completed" : c.message());
    }
  }
  if (stop_active) {
    for (const api::Pod* pod : active) {
      if (auto s = DeletePod(store_, *pod, now); !s.ok()) return s;
    }
    active.clear();
    ready = 0;
  }
  status.set_active(static_cast<int32_t>(active.size()));
  status.set_succeeded(succeeded);
  status.set_failed(failed);
  status.set_ready(ready);
  if (indexed) status.set_completed_indexes(IndexRanges(succeeded_indexes));
  if (!google::protobuf::util::MessageDifferencer::Equals(status, job.status())) {
    auto updated = std::make_unique<api::Job>(job);
    *updated->mutable_status() = status;
    if (auto s = store_.Update(Jobs(), std::move(updated)); !s.ok()) return s.status();
  }
  // A finished Job's TTL runs from now.
  if (stop_active && !spec.suspend() && spec.has_ttl_seconds_after_finished()) {
    again = absl::Seconds(spec.ttl_seconds_after_finished());
  }
  return again;
}

}  // namespace gantry::controllers
