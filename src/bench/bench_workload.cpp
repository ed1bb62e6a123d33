#include "bench/bench_workload.h"

#include <absl/strings/str_cat.h>

#include <algorithm>

namespace gantry::bench {

nlohmann::json BenchPod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", {{"app", "bench"}}}}},
          {"spec",
           {{"containers",
             {{{"name", "main"},
               {"image", "busybox"},
               {"command", {"sleep", "3600"}},
               {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}}}}}}}}};
}

nlohmann::json BenchNode(const std::string& name, int cpu) {
  nlohmann::json resources = {{"cpu", std::to_string(cpu)}, {"memory", absl::StrCat(cpu * 4, "Gi")}, {"pods", "110"}};
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}, {"gantry.io/bench", "true"}}}}},
          {"status",
           {{"capacity", resources},
            {"allocatable", resources},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace gantry::bench
