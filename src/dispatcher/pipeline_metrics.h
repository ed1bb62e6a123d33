// The scheduling pipeline's metrics on /metrics, one set per process:
//   gantry_scheduler_queue_depth{queue}                 active, backoff, in-flight, shard-N, binder
//   gantry_scheduler_attempts_total{result}             scheduled, unschedulable, conflict, retry, error
//   gantry_scheduler_pod_scheduling_seconds             first seen pending -> binding persisted
//   gantry_binder_conflicts_total                       placements the binder rejected
//   gantry_scheduler_shard_scheduled_total{shard}       placements each shard produced
//   gantry_scheduler_plugin_duration_seconds{plugin,extension}  sampled attempts
//   gantry_binder_batch_size                            bindings per store commit
//   gantry_scheduler_preemption_attempts_total          placements proposed with victims
//   gantry_scheduler_preemption_victims_total           pods evicted by preemption
//   gantry_binder_preemptions_waiting                   preemptors holding room until their victims are gone
#pragma once

#include <string>

#include "common/metrics.h"

namespace gantry::dispatcher {

struct PipelineMetrics {
  metrics::Family<metrics::Gauge>& queue_depth;
  metrics::Family<metrics::Counter>& attempts;
  metrics::Histogram& scheduling_seconds;
  metrics::Counter& binder_conflicts;
  metrics::Family<metrics::Counter>& shard_scheduled;
  metrics::Family<metrics::Histogram>& plugin_seconds;
  metrics::Histogram& binder_batch;
  metrics::Counter& preemptions;
  metrics::Counter& preemption_victims;
  metrics::Gauge& preemptions_waiting;
};

PipelineMetrics& Metrics();

}  // namespace gantry::dispatcher
