#include "server/scheduling_pipeline.h"

#include "scheduler/profile_file.h"

namespace gantry::server {

absl::StatusOr<std::unique_ptr<SchedulingPipeline>> SchedulingPipeline::Create(const SchedulingOptions& options,
                                                                                store::Store& store,
                                                                                store::EventRecorder& events) {
  scheduler::Profile profile;
  if (options.profile_path.empty()) {
    profile = scheduler::DefaultProfile();
  } else {
    auto loaded = scheduler::LoadProfile(options.profile_path);
    if (!loaded.ok()) return loaded.status();
    profile = *std::move(loaded);
  }
  auto pipeline = std::unique_ptr<SchedulingPipeline>(new SchedulingPipeline(std::move(profile), store, events));
  auto dispatcher = dispatcher::Dispatcher::Create(
      {.shards = options.shards,
       .scheduler_name = options.scheduler_name,
       .sorting_policy = options.sorting_policy,
       .pending_reasons = &pipeline->reporter_},
      store, pipeline->cluster_);
  if (!dispatcher.ok()) return dispatcher.status();
  pipeline->dispatcher_ = *std::move(dispatcher);
  pipeline->binder_ = std::make_unique<binder::Binder>(store, pipeline->cluster_, pipeline->profile_,
                                                       *pipeline->dispatcher_, events);
  for (int i = 0; i < options.shards; ++i) {
    pipeline->shards_.push_back(std::make_unique<scheduler::Shard>(
        i, pipeline->profile_,
        scheduler::Shard::Links{pipeline->cluster_, pipeline->dispatcher_->shard_queue(i), *pipeline->binder_,
                                *pipeline->dispatcher_, pipeline->reporter_}));
  }
  return pipeline;
}

SchedulingPipeline::SchedulingPipeline(scheduler::Profile profile, store::Store& store, store::EventRecorder& events)
    : profile_(std::move(profile)), cluster_(store), reporter_(store, events) {}

SchedulingPipeline::~SchedulingPipeline() { Stop(); }

absl::Status SchedulingPipeline::Start() {
  if (auto s = cluster_.Start(); !s.ok()) return s;
  reporter_.Start();
  binder_->Start();
  for (auto& shard : shards_) shard->Start();
  if (auto s = dispatcher_->Start(); !s.ok()) return s;
  started_ = true;
  return absl::OkStatus();
}

void SchedulingPipeline::Stop() {
  if (!started_) return;
  started_ = false;
  dispatcher_->Stop();
  for (auto& shard : shards_) shard->Stop();
  binder_->Stop();
  reporter_.Stop();
  cluster_.Stop();
}

}  // namespace gantry::server
