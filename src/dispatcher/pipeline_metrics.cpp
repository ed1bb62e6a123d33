#include "dispatcher/pipeline_metrics.h"

namespace gantry::dispatcher {

PipelineMetrics& Metrics() {
  static PipelineMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    // Plugin calls take microseconds: buckets from 1 us to 100 ms.
    std::vector<double> plugin_buckets;
    for (double b = 1e-6; b <= 0.1; b *= 4) plugin_buckets.push_back(b);
    return new PipelineMetrics{
        r.AddGauge("gantry_scheduler_queue_depth", "Units waiting in each scheduling queue.", {"queue"}),
        r.AddCounter("gantry_scheduler_attempts_total", "Scheduling attempts by result.", {"result"}),
        r.AddHistogram("gantry_scheduler_pod_scheduling_seconds",
                       "From a pending pod's arrival at the dispatcher to its persisted binding.",
                       metrics::LatencyBuckets())
            .WithLabels({}),
        r.AddCounter("gantry_binder_conflicts_total",
                     "Placements the binder rejected because the node no longer fitted.")
            .WithLabels({}),
        r.AddCounter("gantry_scheduler_shard_scheduled_total", "Placements produced by each shard.", {"shard"}),
        r.AddHistogram("gantry_scheduler_plugin_duration_seconds",
                       "Time per plugin in one attempt (sampled attempts).", plugin_buckets,
                       {"plugin", "extension"}),
        r.AddHistogram("gantry_binder_batch_size", "Bindings persisted per store commit.", metrics::SizeBuckets())
            .WithLabels({}),
        r.AddCounter("gantry_scheduler_preemption_attempts_total", "Placements proposed with victims to preempt.")
            .WithLabels({}),
        r.AddCounter("gantry_scheduler_preemption_victims_total", "Pods evicted to make room for preemptors.")
            .WithLabels({}),
        r.AddGauge("gantry_binder_preemptions_waiting",
                   "Preemptors holding their room until their victims are gone.")
            .WithLabels({}),
    };
  }();
  return *m;
}

}  // namespace gantry::dispatcher
