#include "apiserver/admission.h"

#include <absl/strings/str_cat.h>

#include "api/errors.h"
#include "api/object_meta.h"
#include "core.pb.h"
#include "scheduling.pb.h"

namespace gantry::apiserver {
namespace {

absl::Status Forbidden(absl::string_view resource, absl::string_view name, absl::string_view why) {
  return absl::PermissionDeniedError(absl::StrCat(resource, " \"", name, "\" is forbidden: ", why));
}

}  // namespace

absl::Status Admission::AdmitCreate(const api::KindInfo& kind, google::protobuf::Message* object) const {
  const api::ObjectMeta& meta = api::MetaOf(*object);
  if (kind.namespaced) {
    static const api::KindInfo* namespaces = api::FindKindByResource("", "v1", "namespaces");
    auto ns = store_.Get(*namespaces, "", meta.namespace_());
    if (!ns.ok()) return api::NotFoundError("namespaces", meta.namespace_());
    if (!api::MetaOf(**ns).deletion_timestamp().empty()) {
      return Forbidden(kind.resource, meta.name(),
                       absl::StrCat("unable to create new content in namespace ", meta.namespace_(),
                                    " because it is being terminated"));
    }
  }
  if (kind.kind == "Pod") return AdmitPodPriority(object);
  return absl::OkStatus();
}

absl::Status Admission::AdmitPodPriority(google::protobuf::Message* object) const {
  auto* pod = static_cast<api::Pod*>(object);
  static const api::KindInfo* classes = api::FindKindByResource("scheduling.k8s.io", "v1", "priorityclasses");
  int32_t priority = 0;
  std::string policy;
  const std::string& name = pod->spec().priority_class_name();
  if (!name.empty()) {
    auto pc = store_.Get(*classes, "", name);
    if (!pc.ok()) {
      return Forbidden("pods", pod->metadata().name(),
                       absl::StrCat("no PriorityClass with name ", name, " was found"));
    }
    const auto& cls = static_cast<const api::PriorityClass&>(**pc);
    priority = cls.value();
    policy = cls.preemption_policy();
  } else {
    auto all = store_.List(*classes, {});
    if (all.ok()) {
      for (const auto& item : all->items) {
        const auto& cls = static_cast<const api::PriorityClass&>(*item);
        if (cls.global_default()) {
          priority = cls.value();
          policy = cls.preemption_policy();
          pod->mutable_spec()->set_priority_class_name(cls.metadata().name());
        }
      }
    }
  }
  if (pod->spec().has_priority() && pod->spec().priority() != priority) {
    return Forbidden("pods", pod->metadata().name(),
                     absl::StrCat("the integer value of priority (", pod->spec().priority(),
                                  ") must not be provided in pod spec; priority admission "
                                  "controller computed ", priority, " from the given PriorityClass name"));
  }
  pod->mutable_spec()->set_priority(priority);
  if (pod->spec().preemption_policy().empty() && !policy.empty()) {
    pod->mutable_spec()->set_preemption_policy(policy);
  }
  return absl::OkStatus();
}

}  // namespace gantry::apiserver
