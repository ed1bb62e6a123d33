#include "controllers/reconciling_controller.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_replace.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/pod_template.h"
#include "common/log_format.h"
#include "common/metrics.h"

namespace gantry::controllers {
namespace {

struct ControllerMetrics {
  metrics::Family<metrics::Gauge>& queue_depth;
  metrics::Family<metrics::Counter>& reconciles;
  metrics::Family<metrics::Histogram>& reconcile_seconds;
};

ControllerMetrics& Metrics() {
  static ControllerMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    return new ControllerMetrics{
        r.AddGauge("gantry_controller_queue_depth", "Keys waiting (or due later) in each controller's work queue.",
                   {"controller"}),
        r.AddCounter("gantry_controller_reconciles_total", "Reconciles by controller and result.",
                     {"controller", "result"}),
        r.AddHistogram("gantry_controller_reconcile_seconds", "Time to reconcile one key.", metrics::LatencyBuckets(),
                       {"controller"}),
    };
  }();
  return *m;
}

// Retries of a failing key: 100 ms doubling to 30 s, as client-go's default
// rate limiter does per item.
absl::Duration RetryDelay(int failures) {
  return std::min(absl::Milliseconds(100) * (1 << std::min(failures, 9)), absl::Seconds(30));
}

}  // namespace

ReconcilingController::ReconcilingController(store::Store& store, std::string name, store::EventRecorder* events)
    : store_(store), name_(std::move(name)), events_(events) {}

void ReconcilingController::Record(const api::KindInfo& kind, const google::protobuf::Message& object,
                                   const std::string& type, const std::string& reason, const std::string& message) {
  if (events_ == nullptr) return;
  // The component kube-controller-manager's controllers use: "replicaset-controller".
  events_->Record(kind, object, {.type = type, .reason = reason, .message = message,
                                 .component = absl::StrReplaceAll(name_, {{" ", "-"}})});
}

ReconcilingController::~ReconcilingController() { Stop(); }

absl::Status ReconcilingController::Start(WatchFeed& feed) {
  if (auto s = Subscribe(feed); !s.ok()) return s;
  worker_ = std::jthread([this](std::stop_token stop) { Work(stop); });
  return absl::OkStatus();
}

void ReconcilingController::Stop() {
  worker_.request_stop();
  if (worker_.joinable()) worker_.join();
}

std::string ReconcilingController::KeyOf(const api::ObjectMeta& meta) {
  return absl::StrCat(meta.namespace_(), "/", meta.name());
}

void ReconcilingController::EnqueueController(const api::ObjectMeta& meta, const api::KindInfo& kind) {
  const api::OwnerReference* ref = api::ControllerRefOf(meta);
  if (ref != nullptr && ref->kind() == kind.kind && ref->api_version() == kind.ApiVersion()) {
    queue_.Add(absl::StrCat(meta.namespace_(), "/", ref->name()));
  }
}

void ReconcilingController::Work(std::stop_token stop) {
  // "replicaset controller" -> "replicaset", "garbage collector" -> "garbage_collector".
  const std::string label = absl::StrReplaceAll(name_, {{" controller", ""}, {" ", "_"}});
  metrics::Gauge& depth = Metrics().queue_depth.WithLabels({label});
  metrics::Counter& succeeded = Metrics().reconciles.WithLabels({label, "ok"});
  metrics::Counter& failed = Metrics().reconciles.WithLabels({label, "error"});
  metrics::Histogram& seconds = Metrics().reconcile_seconds.WithLabels({label});
  while (auto key = queue_.Next(stop)) {
    depth.Set(static_cast<double>(queue_.Depth()));
    absl::Time started = absl::Now();
    auto again = Reconcile(*key, started);
    seconds.Observe(absl::ToDoubleSeconds(absl::Now() - started));
    (again.ok() ? succeeded : failed).Inc();
    if (!again.ok()) {
      int failures = ++failures_[*key];
      // Conflicts are expected (someone wrote first): the retry reads anew.
      auto log = absl::IsAborted(again.status()) || failures < 3 ? spdlog::level::debug : spdlog::level::warn;
      spdlog::log(log, "{}: {}: {} (retry {})", name_, *key, again.status(), failures);
      queue_.AddAfter(*key, RetryDelay(failures));
      continue;
    }
    failures_.erase(*key);
    if (*again > absl::ZeroDuration()) queue_.AddAfter(*key, *again);
  }
}

}  // namespace gantry::controllers
