#include "agent/qos/pod_resources.h"

#include <string>

#include "api/qos.h"
#include "api/quantity.h"

namespace gantry::agent::qos {
namespace {

// The pod's sum of one resource, and whether every container names it.
struct Sum {
  int64_t total = 0;
  bool everywhere = true;
};

template <typename Pick>
Sum SumOf(const api::PodSpec& spec, absl::string_view resource, bool milli, Pick pick) {
  Sum sum;
  sum.everywhere = !spec.containers().empty();
  for (const auto& c : spec.containers()) {
    bool found = false;
    for (const auto& [name, text] : pick(c.resources())) {
      if (api::CanonicalResourceName(name) != resource) continue;
      auto q = api::Quantity::Parse(text);  // validated at admission
      if (q.ok()) sum.total += milli ? q->MilliValue() : q->Value();
      found = true;
    }
    sum.everywhere &= found;
  }
  return sum;
}

std::optional<int64_t> LimitOf(const Sum& sum) {
  if (sum.everywhere && sum.total > 0) return sum.total;
  return std::nullopt;
}

}  // namespace

PodResources ResourcesOf(const api::PodSpec& spec) {
  auto requests = [](const api::ResourceRequirements& r) -> const auto& { return r.requests(); };
  auto limits = [](const api::ResourceRequirements& r) -> const auto& { return r.limits(); };
  PodResources out;
  out.cpu_request_milli = SumOf(spec, "cpu", true, requests).total;
  out.cpu_limit_milli = LimitOf(SumOf(spec, "cpu", true, limits));
  out.memory_request_bytes = SumOf(spec, "memory", false, requests).total;
  out.memory_limit_bytes = LimitOf(SumOf(spec, "memory", false, limits));
  // Integer millicores: the quantity's value is the millicore count.
  out.reclaimed_cpu_request_milli = SumOf(spec, api::kReclaimedMilliCpu, false, requests).total;
  out.reclaimed_cpu_limit_milli = LimitOf(SumOf(spec, api::kReclaimedMilliCpu, false, limits));
  out.reclaimed_memory_request_bytes = SumOf(spec, api::kReclaimedMemory, false, requests).total;
  out.reclaimed_memory_limit_bytes = LimitOf(SumOf(spec, api::kReclaimedMemory, false, limits));
  return out;
}

PodResources ResourcesOf(const api::Container& container) {
  api::PodSpec one;
  *one.add_containers() = container;
  return ResourcesOf(one);
}

}  // namespace gantry::agent::qos
