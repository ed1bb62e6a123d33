#include "apiserver/discovery.h"

#include <absl/strings/str_cat.h>

#include <map>
#include <set>
#include <vector>

#include "api/kinds.h"
#include "apiserver/scale_subresource.h"

namespace gantry::apiserver {
namespace {

nlohmann::json Verbs(bool with_watch = true) {
  nlohmann::json v = {"create", "delete", "get", "list", "patch", "update"};
  if (with_watch) v.push_back("watch");
  return v;
}

// Resources served by handlers of their own rather than from the store.
struct ServedResource {
  absl::string_view group;
  absl::string_view version;
  absl::string_view name;
  absl::string_view kind;
  bool namespaced;
  std::vector<absl::string_view> verbs;
};

const std::vector<ServedResource>& ServedResources() {
  static const auto* served = new std::vector<ServedResource>{
      {"metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", false, {"get", "list"}},
      {"metrics.k8s.io", "v1beta1", "pods", "PodMetrics", true, {"get", "list"}},
      {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, {"create"}},
      {"authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, {"create"}},
      {"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false, {"create"}},
  };
  return *served;
}

}  // namespace

nlohmann::json ApiVersions() {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", ""}}}}};
}

nlohmann::json ApiGroupList() {
  std::map<std::string, std::set<std::string>> groups;
  for (const api::KindInfo& k : api::AllKinds()) {
    if (!k.group.empty()) groups[std::string(k.group)].insert(std::string(k.version));
  }
  for (const ServedResource& r : ServedResources()) groups[std::string(r.group)].insert(std::string(r.version));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [group, versions] : groups) {
    nlohmann::json vs = nlohmann::json::array();
    for (const auto& v : versions) vs.push_back({{"groupVersion", absl::StrCat(group, "/", v)}, {"version", v}});
    list.push_back({{"name", group}, {"versions", vs}, {"preferredVersion", vs[0]}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", list}};
}

std::optional<nlohmann::json> ApiResourceList(absl::string_view group, absl::string_view version) {
  nlohmann::json resources = nlohmann::json::array();
  for (const api::KindInfo& k : api::AllKinds()) {
    if (k.group != group || k.version != version) continue;
    nlohmann::json shorts = nlohmann::json::array();
    for (auto s : k.short_names) shorts.push_back(std::string(s));
    nlohmann::json r = {{"name", std::string(k.resource)},
                        {"singularName", std::string(k.singular)},
                        {"namespaced", k.namespaced},
                        {"kind", std::string(k.kind)},
                        {"verbs", Verbs()},
                        {"shortNames", shorts}};
    const bool workload = k.kind == "Deployment" || k.kind == "ReplicaSet" || k.kind == "DaemonSet" || k.kind == "Job";
    if (k.kind == "Pod" || k.kind == "PodGroup" || workload) r["categories"] = {"all"};
    resources.push_back(r);
    if (k.kind == "Pod" || k.kind == "Node" || k.kind == "Namespace" || k.kind == "PodGroup" || workload) {
      resources.push_back({{"name", absl::StrCat(k.resource, "/status")},
                           {"singularName", ""},
                           {"namespaced", k.namespaced},
                           {"kind", std::string(k.kind)},
                           {"verbs", {"get", "patch", "update"}}});
    }
    if (HasScaleSubresource(k)) {
      resources.push_back({{"name", absl::StrCat(k.resource, "/scale")}, {"singularName", ""}, {"namespaced", true},
                           {"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"},
                           {"verbs", {"get", "patch", "update"}}});
    }
    if (k.kind == "Pod") {
      resources.push_back({{"name", "pods/binding"}, {"singularName", ""}, {"namespaced", true},
                           {"kind", "Binding"}, {"verbs", {"create"}}});
      resources.push_back({{"name", "pods/eviction"}, {"singularName", ""}, {"namespaced", true},
                           {"group", "policy"}, {"version", "v1"}, {"kind", "Eviction"},
                           {"verbs", {"create"}}});
    }
  }
  for (const ServedResource& r : ServedResources()) {
    if (r.group != group || r.version != version) continue;
    nlohmann::json verbs = nlohmann::json::array();
    for (auto v : r.verbs) verbs.push_back(std::string(v));
    resources.push_back({{"name", std::string(r.name)},
                         {"singularName", ""},
                         {"namespaced", r.namespaced},
                         {"kind", std::string(r.kind)},
                         {"verbs", verbs}});
  }
  if (resources.empty()) return std::nullopt;
  std::string gv = group.empty() ? std::string(version) : absl::StrCat(group, "/", version);
  return nlohmann::json{{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", gv},
                        {"resources", resources}};
}

nlohmann::json VersionInfo() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0-gantry-" GANTRY_VERSION},
          {"gitCommit", ""},
          {"gitTreeState", "clean"},
          {"buildDate", __DATE__},
          {"goVersion", "n/a (C++)"},
          {"compiler", "gcc"},
          {"platform", "linux/amd64"}};
}

}  // namespace gantry::apiserver
