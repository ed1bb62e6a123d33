// The scheduling pipeline as the server runs it: cluster state fed by
// watches, dispatcher, N scheduler shards, the binder and the unschedulable
// reporter, started in data-flow order and stopped in reverse.
#pragma once

#include <absl/status/statusor.h>

#include <memory>
#include <string>
#include <vector>

#include "binder/binder.h"
#include "cluster/cluster_state.h"
#include "dispatcher/dispatcher.h"
#include "scheduler/placement.h"
#include "scheduler/shard.h"
#include "scheduler/unschedulable_reporter.h"
#include "store/store.h"

namespace gantry::server {

struct SchedulingOptions {
  int shards = 1;
  std::string scheduler_name = "gantry";
  std::string sorting_policy = "fifo";
  std::string profile_path;  // empty: the default profile
};

class SchedulingPipeline {
 public:
  static absl::StatusOr<std::unique_ptr<SchedulingPipeline>> Create(const SchedulingOptions& options,
                                                                    store::Store& store,
                                                                    store::EventRecorder& events);
  ~SchedulingPipeline();

  absl::Status Start();
  void Stop();

 private:
  SchedulingPipeline(scheduler::Profile profile, store::Store& store, store::EventRecorder& events);

  scheduler::Profile profile_;
  cluster::ClusterState cluster_;
  scheduler::UnschedulableReporter reporter_;
  std::unique_ptr<dispatcher::Dispatcher> dispatcher_;
  std::unique_ptr<binder::Binder> binder_;
  std::vector<std::unique_ptr<scheduler::Shard>> shards_;
  bool started_ = false;
};

}  // namespace gantry::server
