#include "agent/qos/qos_options.h"

#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/strip.h>

#include "api/quantity.h"

namespace gantry::agent::qos {

absl::StatusOr<int64_t> ResolveMemoryThreshold(const std::string& text, int64_t capacity_bytes) {
  absl::string_view v = absl::StripAsciiWhitespace(text);
  if (absl::ConsumeSuffix(&v, "%")) {
    double percent = 0;
    if (!absl::SimpleAtod(v, &percent) || percent <= 0 || percent > 100) {
      return absl::InvalidArgumentError(
          absl::StrCat("--memory-eviction-threshold: \"", text, "\" is not a percentage in (0, 100]"));
    }
    return static_cast<int64_t>(percent / 100 * static_cast<double>(capacity_bytes));
  }
  auto q = api::Quantity::Parse(v);
  if (!q.ok() || q->IsNegative() || q->Value() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("--memory-eviction-threshold: \"", text,
                                                   "\" is neither a percentage (70%) nor a quantity of bytes (20Gi)"));
  }
  return q->Value();
}

void AddQosFlags(CLI::App& command, QosOptions& o, QosFlagValues& seconds) {
  auto fraction = CLI::Range(0.0, 1.0);
  command.add_option("--reclaim", o.reclaim,
                     "Lend what online pods leave unused to reclaimed pods: compute, publish and enforce "
                     "gantry.io/reclaimed-millicpu and gantry.io/reclaimed-memory")
      ->capture_default_str();
  command.add_option("--cpu-reclaim-threshold", o.thresholds.cpu, "Share of the node's CPUs that may be lent")
      ->capture_default_str()
      ->check(fraction);
  command.add_option("--memory-reclaim-threshold", o.thresholds.memory, "Share of the node's memory that may be lent")
      ->capture_default_str()
      ->check(fraction);
  command.add_option("--system-reserved-millicpu", o.thresholds.system_reserved_millicpu,
                     "CPU kept for the system when its measured use is lower")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command.add_option("--system-reserved-memory", o.thresholds.system_reserved_memory_bytes,
                     "Memory (bytes) kept for the system, never lent")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command.add_option("--reclaimed-quota-floor-millicpu", o.quota.floor_millicpu,
                     "The reclaimed pods' CFS quota never goes below this")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command.add_option("--reclaimed-quota-margin", o.quota.margin,
                     "Share of capacity the reclaimed quota leaves free beyond the online pods' use")
      ->capture_default_str()
      ->check(fraction);
  command.add_option("--memory-eviction-threshold", o.memory_eviction_threshold,
                     "Node memory use (percent of capacity, or bytes as a quantity) at which reclaimed pods are "
                     "evicted until it is 2 points lower")
      ->capture_default_str();
  command.add_option("--reclaim-interval", seconds.reclaim_interval, "Seconds between reclaimable computations")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  command.add_option("--reclaim-peak-window", seconds.peak_window,
                     "Seconds of online pods' peak usage that reclaimable CPU keeps clear of")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  command.add_option("--reclaim-publish-interval", seconds.publish_every,
                     "Seconds after which reclaimable resources are published even if unchanged (they are also "
                     "published when they move by 10%)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  command.add_option("--reclaim-stale-after", seconds.stale_after,
                     "Seconds after which usage data is too old and 0 is published")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  command.add_option("--eviction-sustained", seconds.sustained,
                     "Seconds CPU starvation or overcommit of reclaimed pods must last before one is evicted")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
}

absl::Status FinishQosFlags(const QosFlagValues& seconds, QosOptions& o) {
  o.reclaim_interval = absl::Seconds(seconds.reclaim_interval);
  o.peak_window = absl::Seconds(seconds.peak_window);
  o.publish_every = absl::Seconds(seconds.publish_every);
  o.stale_after = absl::Seconds(seconds.stale_after);
  o.eviction.sustained = absl::Seconds(seconds.sustained);
  // Checked now, resolved against the node's memory when the agent starts.
  return ResolveMemoryThreshold(o.memory_eviction_threshold, int64_t{1} << 40).status();
}

}  // namespace gantry::agent::qos
