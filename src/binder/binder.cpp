#include "binder/binder.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/kinds.h"
#include "api/pod_conditions.h"
#include "common/log_format.h"
#include "dispatcher/pipeline_metrics.h"

namespace gantry::binder {
namespace {

constexpr size_t kMaxBatch = 1024;

}  // namespace

Binder::Binder(store::Store& store, cluster::ClusterState& cluster, const scheduler::Profile& profile,
               dispatcher::SchedulingFeedback& feedback, store::EventRecorder& events)
    : store_(store),
      cluster_(cluster),
      profile_(profile),
      feedback_(feedback),
      events_(events),
      depth_(dispatcher::Metrics().queue_depth.WithLabels({"binder"})),
      preemptions_(store, cluster, feedback) {
  cluster_.SetPodDeletedListener([this] { OnPodDeleted(); });
}

void Binder::OnPodDeleted() {
  if (!awaiting_victims_.load()) return;
  {
    std::lock_guard lock(mu_);
    victim_left_ = true;
  }
  ready_.notify_one();
}

Binder::~Binder() { Stop(); }

void Binder::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void Binder::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void Binder::Propose(dispatcher::Proposal proposal) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(proposal));
    depth_.Set(static_cast<double>(queue_.size()));
  }
  ready_.notify_one();
}

void Binder::Run(std::stop_token stop) {
  while (true) {
    std::vector<dispatcher::Proposal> batch;
    {
      std::unique_lock lock(mu_);
      auto has_work = [this] { return !queue_.empty() || victim_left_; };
      if (preemptions_.waiting()) {
        // Woken by a deletion (a victim may be gone) or when the first
        // hold runs out.
        absl::Duration left = std::max(preemptions_.NextDeadline() - absl::Now(), absl::ZeroDuration());
        ready_.wait_for(lock, stop, absl::ToChronoNanoseconds(left), has_work);
        if (stop.stop_requested()) return;
      } else if (!ready_.wait(lock, stop, has_work)) {
        return;
      }
      victim_left_ = false;
      // Whatever arrived while the last commit was in flight: group commit.
      size_t n = std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
      depth_.Set(static_cast<double>(queue_.size()));
    }
    BindBatch(std::move(batch));
  }
}

absl::Status Binder::AssumeAll(const dispatcher::Proposal& proposal) {
  const auto& pods = proposal.unit.pods;
  std::vector<std::string> victims;
  victims.reserve(proposal.victims.size());
  for (const auto& v : proposal.victims) victims.push_back(absl::StrCat(v->metadata().namespace_(), "/", v->metadata().name()));
  for (size_t i = 0; i < pods.size(); ++i) {
    auto info = scheduler::PodInfo::From(pods[i]);
    absl::Status placed = info.status();
    if (placed.ok()) {
      placed = cluster_.Assume(
          pods[i], proposal.nodes[i],
          [&](const cluster::NodeTable& nodes, uint32_t node) { return scheduler::CheckNode(profile_, *info, nodes, node); },
          victims);
    }
    if (!placed.ok()) {
      // A gang is assumed whole or not at all.
      for (size_t j = 0; j < i; ++j) cluster_.Forget(*pods[j]);
      return placed;
    }
  }
  return absl::OkStatus();
}

void Binder::BindBatch(std::vector<dispatcher::Proposal> batch) {
  static const api::KindInfo* pods = api::FindKindByResource("", "v1", "pods");
  struct Assumed {
    const dispatcher::Proposal* proposal;
    size_t first_op;
  };
  std::vector<store::WriteOp> ops;
  std::vector<Assumed> assumed;
  uint32_t next_group = 0;
  // Preemptors whose victims are gone are assumed already: bind them now.
  std::vector<dispatcher::Proposal> ready = preemptions_.TakeReady(absl::Now());
  awaiting_victims_ = preemptions_.waiting();
  std::vector<dispatcher::Proposal*> to_bind;
  for (auto& proposal : ready) to_bind.push_back(&proposal);
  for (auto& proposal : batch) {
    absl::Status placed = AssumeAll(proposal);
    if (!placed.ok()) {
      if (placed.code() == absl::StatusCode::kAlreadyExists) {
        feedback_.Retry(proposal.unit);  // placed by someone else: the watch settles it
        continue;
      }
      dispatcher::Metrics().binder_conflicts.Inc();
      spdlog::debug("binder: {} rejected: {}", proposal.unit.key, placed);
      feedback_.Conflict(proposal.unit);
      continue;
    }
    if (!proposal.victims.empty()) {
      awaiting_victims_ = true;  // before any victim can go
      preemptions_.Begin(std::move(proposal));
      continue;
    }
    to_bind.push_back(&proposal);
  }
  for (const dispatcher::Proposal* bind : to_bind) {
    const dispatcher::Proposal& proposal = *bind;
    // A gang's bindings commit in one all-or-nothing group.
    const uint32_t group = proposal.unit.gang != nullptr ? ++next_group : 0;
    assumed.push_back({&proposal, ops.size()});
    for (size_t i = 0; i < proposal.unit.pods.size(); ++i) {
      const auto& pod = proposal.unit.pods[i];
      // The pod as the shard saw it: its resourceVersion makes the write a
      // compare-and-swap, so a pod deleted or changed meanwhile is not bound.
      auto bound = std::make_unique<api::Pod>(*pod);
      bound->mutable_spec()->set_node_name(proposal.nodes[i]);
      api::SetPodCondition(*bound, "PodScheduled", "True", "", "");
      store::WriteOp op{store::WriteOp::Type::kUpdate, pods, pod->metadata().namespace_(), pod->metadata().name(),
                        std::move(bound), {}};
      op.all_or_nothing_group = group;
      ops.push_back(std::move(op));
    }
  }
  if (ops.empty()) return;
  dispatcher::Metrics().binder_batch.Observe(static_cast<double>(ops.size()));
  auto results = store_.Commit(std::move(ops));
  for (const Assumed& a : assumed) {
    const dispatcher::Proposal& proposal = *a.proposal;
    const size_t n = proposal.unit.pods.size();
    auto failed = std::find_if(results.begin() + static_cast<std::ptrdiff_t>(a.first_op),
                               results.begin() + static_cast<std::ptrdiff_t>(a.first_op + n),
                               [](const auto& r) { return !r.ok(); });
    if (failed == results.begin() + static_cast<std::ptrdiff_t>(a.first_op + n)) {
      for (size_t i = 0; i < n; ++i) {
        const api::Pod& pod = *proposal.unit.pods[i];
        events_.Record(*pods, pod,
                       {.reason = "Scheduled",
                        .message = absl::StrCat("Successfully assigned ", pod.metadata().namespace_(), "/",
                                                pod.metadata().name(), " to ", proposal.nodes[i]),
                        .component = "gantry-scheduler"});
      }
      feedback_.Bound(proposal.unit);
      continue;
    }
    for (const auto& pod : proposal.unit.pods) cluster_.Forget(*pod);
    spdlog::debug("binder: binding {} not persisted: {}", proposal.unit.key, failed->status());
    feedback_.Retry(proposal.unit);
  }
}

}  // namespace gantry::binder
