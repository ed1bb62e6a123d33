#include "api/kinds.h"

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>

#include "apps.pb.h"
#include "batch.pb.h"
#include "coordination.pb.h"
#include "core.pb.h"
#include "scheduling.pb.h"

namespace gantry::api {

std::string KindInfo::ApiVersion() const {
  return group.empty() ? std::string(version) : absl::StrCat(group, "/", version);
}

std::string KindInfo::ListKind() const { return absl::StrCat(kind, "List"); }

std::string KindInfo::QualifiedResource() const {
  return group.empty() ? std::string(resource) : absl::StrCat(resource, ".", group);
}

std::unique_ptr<google::protobuf::Message> KindInfo::New() const {
  return std::unique_ptr<google::protobuf::Message>(prototype->New());
}

const std::vector<KindInfo>& AllKinds() {
  static const std::vector<KindInfo> kinds = {
      {"Namespace", "namespaces", "namespace", "", "v1", false, {"ns"},
       &Namespace::default_instance()},
      {"Node", "nodes", "node", "", "v1", false, {"no"}, &Node::default_instance()},
      {"Pod", "pods", "pod", "", "v1", true, {"po"}, &Pod::default_instance()},
      {"Event", "events", "event", "", "v1", true, {"ev"}, &Event::default_instance()},
      {"ConfigMap", "configmaps", "configmap", "", "v1", true, {"cm"}, &ConfigMap::default_instance()},
      {"Secret", "secrets", "secret", "", "v1", true, {}, &Secret::default_instance()},
      {"ReplicaSet", "replicasets", "replicaset", "apps", "v1", true, {"rs"}, &ReplicaSet::default_instance()},
      {"Deployment", "deployments", "deployment", "apps", "v1", true, {"deploy"},
       &Deployment::default_instance()},
      {"DaemonSet", "daemonsets", "daemonset", "apps", "v1", true, {"ds"}, &DaemonSet::default_instance()},
      {"Job", "jobs", "job", "batch", "v1", true, {}, &Job::default_instance()},
      {"PriorityClass", "priorityclasses", "priorityclass", "scheduling.k8s.io", "v1", false,
       {"pc"}, &PriorityClass::default_instance()},
      {"Lease", "leases", "lease", "coordination.k8s.io", "v1", true, {}, &Lease::default_instance()},
      {"PodGroup", "podgroups", "podgroup", "scheduling.gantry.io", "v1alpha1", true, {"pg"},
       &PodGroup::default_instance()},
      {"PodGroup", "podgroups", "podgroup", "scheduling.x-k8s.io", "v1alpha1", true, {"pg", "pgs"},
       &CoschedulingPodGroup::default_instance()},
      {"PodGroup", "podgroups", "podgroup", "scheduling.volcano.sh", "v1beta1", true, {"pg", "podgroup-v1beta1"},
       &VolcanoPodGroup::default_instance()},
  };
  return kinds;
}

const KindInfo* FindKindByResource(absl::string_view group, absl::string_view version,
                                   absl::string_view resource) {
  for (const KindInfo& k : AllKinds()) {
    if (k.group == group && k.version == version && k.resource == resource) return &k;
  }
  return nullptr;
}

const KindInfo* FindKindByApiVersion(absl::string_view api_version, absl::string_view kind) {
  for (const KindInfo& k : AllKinds()) {
    if (k.kind == kind && k.ApiVersion() == api_version) return &k;
  }
  return nullptr;
}

const KindInfo* FindKindByUserName(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(name);
  absl::string_view base = lower;
  absl::string_view group;
  if (auto dot = base.find('.'); dot != absl::string_view::npos) {
    group = base.substr(dot + 1);
    base = base.substr(0, dot);
  }
  for (const KindInfo& k : AllKinds()) {
    if (!group.empty() && k.group != group) continue;
    if (base == k.resource || base == k.singular || base == absl::AsciiStrToLower(k.kind)) {
      return &k;
    }
    for (absl::string_view s : k.short_names) {
      if (base == s) return &k;
    }
  }
  return nullptr;
}

}  // namespace gantry::api
