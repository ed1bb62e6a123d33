#include "scheduler/unschedulable_reporter.h"

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>
#include <spdlog/spdlog.h>

#include "api/kinds.h"
#include "api/pod_conditions.h"
#include "common/log_format.h"
#include "common/time_format.h"

namespace gantry::scheduler {
namespace {

constexpr size_t kMaxBatch = 256;

}  // namespace

UnschedulableReporter::UnschedulableReporter(store::Store& store, store::EventRecorder& events)
    : store_(store), events_(events) {}

UnschedulableReporter::~UnschedulableReporter() { Stop(); }

void UnschedulableReporter::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void UnschedulableReporter::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void UnschedulableReporter::Report(std::shared_ptr<const api::Pod> pod, std::string explanation) {
  // Every attempt counts: a repeat raises the Event's count.
  static const api::KindInfo* pods = api::FindKindByResource("", "v1", "pods");
  events_.Record(*pods, *pod,
                 {.type = "Warning", .reason = "FailedScheduling", .message = explanation, .component = "gantry-scheduler"});
  const api::PodCondition* current = api::FindPodCondition(*pod, "PodScheduled");
  if (current != nullptr && current->status() == "False" && current->message() == explanation) return;
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(pod), std::move(explanation)});
  }
  ready_.notify_one();
}

void UnschedulableReporter::Run(std::stop_token stop) {
  while (true) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mu_);
      if (!ready_.wait(lock, stop, [this] { return !queue_.empty(); })) return;
      size_t n = std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
    }
    Write(std::move(batch));
  }
}

void UnschedulableReporter::Write(std::vector<Pending> batch) {
  static const api::KindInfo* pods = api::FindKindByResource("", "v1", "pods");
  std::vector<store::WriteOp> ops;
  for (auto& report : batch) {
    const api::Pod& pod = *report.pod;
    // The pod as the scheduler saw it, so the write is a compare-and-swap:
    // if the pod changed meanwhile, the next attempt reports afresh.
    auto updated = std::make_unique<api::Pod>(pod);
    api::SetPodCondition(*updated, "PodScheduled", "False", "Unschedulable", report.explanation);
    ops.push_back({store::WriteOp::Type::kUpdate, pods, pod.metadata().namespace_(), pod.metadata().name(),
                   std::move(updated), {}});
  }
  auto results = store_.Commit(std::move(ops));
  for (const auto& r : results) {
    if (!r.ok()) spdlog::debug("scheduler: unschedulable report not written: {}", r.status());
  }
}

}  // namespace gantry::scheduler
