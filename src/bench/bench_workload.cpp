#include "bench/bench_workload.h"

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include <algorithm>

namespace gantry::bench {

nlohmann::json BenchPod(const std::string& name, const std::map<std::string, std::string>& requests) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", {{"app", "bench"}}}}},
          {"spec",
           {{"containers",
             {{{"name", "main"},
               {"image", "busybox"},
               {"command", {"sleep", "3600"}},
               {"resources", {{"requests", requests}}}}}}}}};
}

nlohmann::json BenchNode(const std::string& name, int index, const std::map<std::string, std::string>& allocatable) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels",
             {{"kubernetes.io/hostname", name},
              {"gantry.io/bench", "true"},
              {kZoneLabel, absl::StrCat("zone-", index % 3)}}}}},
          {"status",
           {{"capacity", allocatable},
            {"allocatable", allocatable},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

absl::Status CreateBenchDeployment(ctl::ApiClient& client, const std::string& ns) {
  nlohmann::json pod = BenchPod("");
  nlohmann::json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "bench"}}},
      {"spec",
       {{"replicas", 0},
        {"selector", {{"matchLabels", {{"app", "bench"}}}}},
        {"template", {{"metadata", {{"labels", {{"app", "bench"}}}}}, {"spec", pod["spec"]}}}}}};
  std::string path = absl::StrCat("/apis/apps/v1/namespaces/", ns, "/deployments");
  if (auto created = client.Call("POST", path, &deployment); !created.ok()) return created.status();
  // Ready to scale once its controller has made its (empty) ReplicaSet.
  for (int i = 0; i < 100; ++i) {
    auto current = client.Call("GET", path + "/bench");
    if (!current.ok()) return current.status();
    if (current->value("status", nlohmann::json::object()).value("observedGeneration", 0) >= 1) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError("the Deployment's controller did not take it within 10 s");
}

absl::Status ScaleBenchDeployment(ctl::ApiClient& client, const std::string& ns, int replicas) {
  nlohmann::json patch = {{"spec", {{"replicas", replicas}}}};
  return client
      .Call("PATCH", absl::StrCat("/apis/apps/v1/namespaces/", ns, "/deployments/bench/scale"), &patch,
            "application/merge-patch+json")
      .status();
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace gantry::bench
