// What `gantry bench scheduling` creates: nodes of one shape, and pods from a
// mix of kinds (--workload FILE, or one kind from --pod-shape and
// --gang-size). A kind has a weight, resource requests, optionally a
// PriorityClass, a gang size (consecutive pods of the kind form PodGroups of
// that size) and a zone spread (groups of that many pods whose members must
// land in different zones: required pod anti-affinity on
// topology.kubernetes.io/zone). The file:
//
//   priorityClasses: [{name: bench-high, value: 1000}]
//   kinds:
//   - {weight: 70, requests: {cpu: 100m, memory: 64Mi}}
//   - {weight: 10, requests: {cpu: "1", memory: 1Gi}, priorityClassName: bench-high}
//   - {weight: 10, requests: {cpu: 500m, memory: 256Mi}, gang: 8}
//   - {weight: 10, requests: {cpu: 100m, memory: 64Mi}, zoneSpread: 3}
#pragma once

#include <absl/status/statusor.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_workload.h"

namespace gantry::bench {

struct PodKind {
  int weight = 1;
  std::map<std::string, std::string> requests;
  std::string priority_class;
  int gang = 0;         // PodGroups of this many of the kind's pods; 0: single pods
  int zone_spread = 0;  // groups of this many pods in distinct zones; 0: none
};

struct WorkloadMix {
  std::vector<PodKind> kinds;
  std::vector<std::pair<std::string, int>> priority_classes;
};

// "cpu=100m,memory=64Mi" as resource requests; an error names the bad part.
absl::StatusOr<std::map<std::string, std::string>> ParseShape(const std::string& text);
// Reads the file; an error names the file and the key.
absl::StatusOr<WorkloadMix> LoadWorkloadMix(const std::string& path);

// Pod i of a run: its kind (weights interleaved deterministically), its
// gang and that gang's size, its spread group.
struct PlannedPod {
  int kind = 0;
  std::string gang;
  int gang_size = 0;
  std::string spread_group;
};
std::vector<PlannedPod> PlanPods(const WorkloadMix& mix, int pods);

// The pod to create for `plan` (gangs join through the scheduling.gantry.io/pod-group label).
nlohmann::json MixPod(const std::string& name, const PodKind& kind, const PlannedPod& plan);

inline constexpr char kGangLabel[] = "scheduling.gantry.io/pod-group";
inline constexpr char kSpreadLabel[] = "bench-spread";

}  // namespace gantry::bench
