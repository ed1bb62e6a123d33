#include "bench/workload_mix.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include "api/quantity.h"
#include "api/yaml_json.h"
#include "common/files.h"

namespace gantry::bench {
namespace {

absl::Status Bad(const std::string& path, const std::string& key, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", key, ": ", why));
}

absl::StatusOr<int> PositiveInt(const nlohmann::json& value, const std::string& path, const std::string& key) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 1000000) {
    return Bad(path, key, "must be a whole number from 0 to 1000000");
  }
  return value.get<int>();
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseShape(const std::string& text) {
  std::map<std::string, std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (kv.first.empty() || !api::Quantity::Parse(kv.second).ok()) {
      return absl::InvalidArgumentError(absl::StrCat("\"", part, "\" is not resource=quantity"));
    }
    out[kv.first] = kv.second;
  }
  return out;
}

absl::StatusOr<WorkloadMix> LoadWorkloadMix(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return absl::NotFoundError(absl::StrCat(path, ": ", text.status().message()));
  auto doc = api::ParseDocument(*text);
  if (!doc.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", doc.status().message()));
  if (!doc->is_object()) return Bad(path, "(top)", "must be a mapping with kinds and priorityClasses");
  WorkloadMix mix;
  for (const auto& [key, value] : doc->items()) {
    if (key == "priorityClasses") {
      if (!value.is_array()) return Bad(path, key, "must be a list");
      for (const auto& pc : value) {
        if (!pc.is_object() || !pc.value("name", nlohmann::json()).is_string() ||
            !pc.value("value", nlohmann::json()).is_number_integer()) {
          return Bad(path, key, "each needs a name and an integer value");
        }
        mix.priority_classes.emplace_back(pc["name"].get<std::string>(), pc["value"].get<int>());
      }
    } else if (key == "kinds") {
      if (!value.is_array() || value.empty()) return Bad(path, key, "must be a non-empty list");
      for (size_t i = 0; i < value.size(); ++i) {
        const auto& k = value[i];
        std::string at = absl::StrCat("kinds[", i, "]");
        if (!k.is_object()) return Bad(path, at, "must be a mapping");
        PodKind kind;
        for (const auto& [field, v] : k.items()) {
          std::string name = absl::StrCat(at, ".", field);
          if (field == "weight") {
            auto n = PositiveInt(v, path, name);
            if (!n.ok()) return n.status();
            kind.weight = *n;
          } else if (field == "gang" || field == "zoneSpread") {
            auto n = PositiveInt(v, path, name);
            if (!n.ok()) return n.status();
            (field == "gang" ? kind.gang : kind.zone_spread) = *n;
          } else if (field == "priorityClassName") {
            if (!v.is_string()) return Bad(path, name, "must be a string");
            kind.priority_class = v.get<std::string>();
          } else if (field == "requests") {
            if (!v.is_object()) return Bad(path, name, "must be a mapping of resource: quantity");
            for (const auto& [resource, q] : v.items()) {
              if (!q.is_string() || !api::Quantity::Parse(q.get<std::string>()).ok()) {
                return Bad(path, absl::StrCat(name, ".", resource), "must be a quantity such as 100m or 64Mi");
              }
              kind.requests[resource] = q.get<std::string>();
            }
          } else {
            return Bad(path, name, "unknown key (weight, requests, priorityClassName, gang, zoneSpread)");
          }
        }
        if (kind.weight == 0) return Bad(path, at + ".weight", "must be at least 1");
        mix.kinds.push_back(std::move(kind));
      }
    } else {
      return Bad(path, key, "unknown key (kinds, priorityClasses)");
    }
  }
  if (mix.kinds.empty()) return Bad(path, "kinds", "required");
  return mix;
}

std::vector<PlannedPod> PlanPods(const WorkloadMix& mix, int pods) {
  // Smooth weighted round robin: each kind gets its share, evenly interleaved.
  std::vector<int> current(mix.kinds.size(), 0);
  int total = 0;
  for (const auto& k : mix.kinds) total += k.weight;
  std::vector<PlannedPod> out(static_cast<size_t>(pods));
  for (auto& pod : out) {
    size_t best = 0;
    for (size_t k = 0; k < mix.kinds.size(); ++k) {
      current[k] += mix.kinds[k].weight;
      if (current[k] > current[best]) best = k;
    }
    current[best] -= total;
    pod.kind = static_cast<int>(best);
  }
  // Gangs and spread groups: consecutive pods of the same kind.
  std::vector<int> seen(mix.kinds.size(), 0);
  std::vector<int> of_kind(mix.kinds.size(), 0);
  for (const auto& pod : out) ++of_kind[static_cast<size_t>(pod.kind)];
  for (auto& pod : out) {
    size_t k = static_cast<size_t>(pod.kind);
    int j = seen[k]++;
    if (int size = mix.kinds[k].gang; size > 0) {
      pod.gang = absl::StrCat("gang-", k, "-", j / size);
      pod.gang_size = std::min(size, of_kind[k] - j / size * size);
    }
    if (int size = mix.kinds[k].zone_spread; size > 0) pod.spread_group = absl::StrCat("spread-", k, "-", j / size);
  }
  return out;
}

nlohmann::json MixPod(const std::string& name, const PodKind& kind, const PlannedPod& plan) {
  nlohmann::json pod = BenchPod(name, kind.requests);
  if (!kind.priority_class.empty()) pod["spec"]["priorityClassName"] = kind.priority_class;
  if (!plan.gang.empty()) pod["metadata"]["labels"][kGangLabel] = plan.gang;
  if (!plan.spread_group.empty()) {
    pod["metadata"]["labels"][kSpreadLabel] = plan.spread_group;
    pod["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
        {{"labelSelector", {{"matchLabels", {{kSpreadLabel, plan.spread_group}}}}}, {"topologyKey", kZoneLabel}}};
  }
  return pod;
}

}  // namespace gantry::bench
