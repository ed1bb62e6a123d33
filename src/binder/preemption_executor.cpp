#include "binder/preemption_executor.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "api/events.h"
#include "api/kinds.h"
#include "api/object_meta.h"
#include "api/pod_conditions.h"
#include "api/pod_termination.h"
#include "common/log_format.h"
#include "dispatcher/pipeline_metrics.h"

namespace gantry::binder {
namespace {

const api::KindInfo& PodKind() {
  static const api::KindInfo* kind = api::FindKindByResource("", "v1", "pods");
  return *kind;
}

const api::KindInfo& EventKind() {
  static const api::KindInfo* kind = api::FindKindByResource("", "v1", "events");
  return *kind;
}

std::string KeyOf(const api::Pod& pod) { return absl::StrCat(pod.metadata().namespace_(), "/", pod.metadata().name()); }

}  // namespace

PreemptionExecutor::PreemptionExecutor(store::Store& store, cluster::ClusterState& cluster,
                                       dispatcher::SchedulingFeedback& feedback)
    : store_(store), cluster_(cluster), feedback_(feedback) {}

void PreemptionExecutor::Begin(dispatcher::Proposal proposal) {
  if (auto s = Nominate(proposal); !s.ok()) {
    spdlog::debug("binder: nominating {} failed: {}", proposal.unit.key, s);
    Release(proposal);
    return;
  }
  Evict(proposal);
  Waiting w{std::move(proposal), {}, absl::Now() + kPreemptionHold};
  for (const auto& victim : w.proposal.victims) {
    w.victims.push_back({victim->metadata().namespace_(), victim->metadata().name(), victim->metadata().uid()});
  }
  waiting_.push_back(std::move(w));
  dispatcher::Metrics().preemptions_waiting.Set(static_cast<double>(waiting_.size()));
}

absl::Status PreemptionExecutor::Nominate(dispatcher::Proposal& proposal) {
  std::vector<store::WriteOp> ops;
  for (size_t i = 0; i < proposal.unit.pods.size(); ++i) {
    const api::Pod& pod = *proposal.unit.pods[i];
    auto nominated = std::make_unique<api::Pod>(pod);
    nominated->mutable_status()->set_nominated_node_name(proposal.nodes[i]);
    store::WriteOp op{store::WriteOp::Type::kUpdate, &PodKind(), pod.metadata().namespace_(), pod.metadata().name(),
                      std::move(nominated), {}};
    op.all_or_nothing_group = 1;
    ops.push_back(std::move(op));
  }
  auto results = store_.Commit(std::move(ops));
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) return results[i].status();
    proposal.unit.pods[i] = std::static_pointer_cast<const api::Pod>(*results[i]);
  }
  return absl::OkStatus();
}

void PreemptionExecutor::Evict(const dispatcher::Proposal& proposal) {
  const std::string preemptor = KeyOf(*proposal.unit.pod());
  std::vector<store::WriteOp> ops;
  for (const auto& seen : proposal.victims) {
    // The victim as it is now (its status may have moved since the shard
    // saw it), as long as it is the same pod.
    auto current = store_.Get(PodKind(), seen->metadata().namespace_(), seen->metadata().name());
    if (!current.ok()) continue;
    const auto& victim = static_cast<const api::Pod&>(**current);
    if (victim.metadata().uid() != seen->metadata().uid()) continue;
    auto evicted = std::make_unique<api::Pod>(victim);
    api::SetPodCondition(*evicted, "DisruptionTarget", "True", "PreemptionByScheduler",
                         absl::StrCat("gantry-scheduler: preempting to accommodate a higher priority pod ", preemptor));
    const std::string& node = victim.spec().node_name();
    int64_t grace = api::DefaultGracePeriod(victim);
    if (victim.metadata().deletion_timestamp().empty()) {
      if (!node.empty() && grace > 0) {
        api::MarkForDeletion(evicted.get(), grace, absl::Now());
        ops.push_back({store::WriteOp::Type::kUpdate, &PodKind(), victim.metadata().namespace_(),
                       victim.metadata().name(), std::move(evicted), {}});
      } else {
        ops.push_back({store::WriteOp::Type::kDelete, &PodKind(), victim.metadata().namespace_(),
                       victim.metadata().name(), nullptr, {victim.metadata().uid(), ""}});
      }
    }
    auto event = api::NewEvent(PodKind(), victim,
                               {.type = "Normal", .reason = "Preempted",
                                .message = absl::StrCat("Preempted by pod ", preemptor, " on node ", node),
                                .component = "gantry-scheduler"});
    std::string name = event->metadata().name();
    std::string namespace_ = event->metadata().namespace_();
    ops.push_back({store::WriteOp::Type::kCreate, &EventKind(), namespace_, name, std::move(event), {}});
    spdlog::info("binder: preempting {} on {} for {}", KeyOf(victim), node, preemptor);
  }
  dispatcher::Metrics().preemption_victims.Inc(static_cast<double>(proposal.victims.size()));
  for (const auto& r : store_.Commit(std::move(ops))) {
    if (!r.ok()) spdlog::warn("binder: preemption write for {} failed: {}", preemptor, r.status());
  }
}

bool PreemptionExecutor::Gone(const VictimRef& victim) const {
  auto current = store_.Get(PodKind(), victim.namespace_, victim.name);
  return !current.ok() || api::MetaOf(**current).uid() != victim.uid;
}

std::vector<dispatcher::Proposal> PreemptionExecutor::TakeReady(absl::Time now) {
  std::vector<dispatcher::Proposal> ready;
  std::vector<Waiting> still;
  for (Waiting& w : waiting_) {
    bool gone = std::all_of(w.victims.begin(), w.victims.end(), [&](const VictimRef& v) { return Gone(v); });
    if (gone) {
      ready.push_back(std::move(w.proposal));
    } else if (now >= w.deadline) {
      spdlog::warn("binder: victims of {} still there after {}; releasing its room", w.proposal.unit.key,
                   absl::FormatDuration(kPreemptionHold));
      Release(w.proposal);
    } else {
      still.push_back(std::move(w));
    }
  }
  waiting_ = std::move(still);
  dispatcher::Metrics().preemptions_waiting.Set(static_cast<double>(waiting_.size()));
  return ready;
}

absl::Time PreemptionExecutor::NextDeadline() const {
  absl::Time next = absl::InfiniteFuture();
  for (const Waiting& w : waiting_) next = std::min(next, w.deadline);
  return next;
}

void PreemptionExecutor::Release(const dispatcher::Proposal& proposal) {
  for (const auto& pod : proposal.unit.pods) cluster_.Forget(*pod);
  feedback_.Retry(proposal.unit);
}

}  // namespace gantry::binder
