#include "binder/binder.h"

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
               dispatcher::SchedulingFeedback& feedback)
    : store_(store),
      cluster_(cluster),
      profile_(profile),
      feedback_(feedback),
      depth_(dispatcher::Metrics().queue_depth.WithLabels({"binder"})) {}

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
      if (!ready_.wait(lock, stop, [this] { return !queue_.empty(); })) return;
      // Whatever arrived while the last commit was in flight: group commit.
      size_t n = std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
      depth_.Set(static_cast<double>(queue_.size()));
    }
    BindBatch(std::move(batch));
  }
}

void Binder::BindBatch(std::vector<dispatcher::Proposal> batch) {
  static const api::KindInfo* pods = api::FindKindByResource("", "v1", "pods");
  std::vector<store::WriteOp> ops;
  std::vector<const dispatcher::Proposal*> assumed;
  ops.reserve(batch.size());
  assumed.reserve(batch.size());
  for (const auto& proposal : batch) {
    const auto& pod = proposal.unit.pod;
    auto info = scheduler::PodInfo::From(pod);
    absl::Status placed = info.status();
    if (placed.ok()) {
      placed = cluster_.Assume(pod, proposal.node, [&](const cluster::NodeTable& nodes, uint32_t node) {
        return scheduler::CheckNode(profile_, *info, nodes, node);
      });
    }
    if (!placed.ok()) {
      if (placed.code() == absl::StatusCode::kAlreadyExists) {
        feedback_.Retry(proposal.unit);  // placed by someone else: the watch settles it
        continue;
      }
      dispatcher::Metrics().binder_conflicts.Inc();
      spdlog::debug("binder: {} on {} rejected: {}", proposal.unit.key, proposal.node, placed);
      feedback_.Conflict(proposal.unit);
      continue;
    }
    // The pod as the shard saw it: its resourceVersion makes the write a
    // compare-and-swap, so a pod deleted or changed meanwhile is not bound.
    auto bound = std::make_unique<api::Pod>(*pod);
    bound->mutable_spec()->set_node_name(proposal.node);
    api::SetPodCondition(*bound, "PodScheduled", "True", "", "");
    ops.push_back({store::WriteOp::Type::kUpdate, pods, pod->metadata().namespace_(), pod->metadata().name(),
                   std::move(bound), {}});
    assumed.push_back(&proposal);
  }
  if (ops.empty()) return;
  dispatcher::Metrics().binder_batch.Observe(static_cast<double>(ops.size()));
  auto results = store_.Commit(std::move(ops));
  for (size_t i = 0; i < results.size(); ++i) {
    const dispatcher::Proposal& proposal = *assumed[i];
    if (results[i].ok()) {
      feedback_.Bound(proposal.unit);
      continue;
    }
    cluster_.Forget(*proposal.unit.pod);
    spdlog::debug("binder: binding {} to {} not persisted: {}", proposal.unit.key, proposal.node, results[i].status());
    feedback_.Retry(proposal.unit);
  }
}

}  // namespace gantry::binder
