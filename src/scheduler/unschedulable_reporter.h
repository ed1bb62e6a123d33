// Tells users why a pod waits: records a FailedScheduling Event for every
// attempt (repeats raise its count) and sets the pod's PodScheduled=False
// condition (reason Unschedulable, the kubectl-style explanation as
// message). The condition is written on its own thread with batched store
// writes so shards never wait on I/O; a pod whose condition already carries
// the same explanation is not written again.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core.pb.h"
#include "dispatcher/unit.h"
#include "store/event_recorder.h"
#include "store/store.h"

namespace gantry::scheduler {

class UnschedulableReporter final : public dispatcher::PendingReasonSink {
 public:
  UnschedulableReporter(store::Store& store, store::EventRecorder& events);
  ~UnschedulableReporter() override;

  void Start();
  void Stop();
  void Report(std::shared_ptr<const api::Pod> pod, std::string explanation) override;

 private:
  struct Pending {
    std::shared_ptr<const api::Pod> pod;
    std::string explanation;
  };
  void Run(std::stop_token stop);
  void Write(std::vector<Pending> batch);

  store::Store& store_;
  store::EventRecorder& events_;
  std::mutex mu_;
  std::condition_variable_any ready_;
  std::vector<Pending> queue_;
  std::jthread thread_;
};

}  // namespace gantry::scheduler
