#include "api/validation.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/util/message_differencer.h>

#include "api/downward_api.h"
#include "api/volume_validation.h"
#include "api/errors.h"
#include "api/gang.h"
#include "api/object_meta.h"
#include "api/qos.h"
#include "api/quantity.h"
#include "api/workload_validation.h"
#include "core.pb.h"
#include "scheduling.pb.h"

namespace gantry::api {
namespace {

using Causes = std::vector<FieldCause>;

bool IsAlnumLower(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); }

// Label values and name parts: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63.
bool IsQualifiedPart(absl::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!absl::ascii_isalnum(s.front()) || !absl::ascii_isalnum(s.back())) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool IsLabelKey(absl::string_view key) {
  size_t slash = key.find('/');
  if (slash == absl::string_view::npos) return IsQualifiedPart(key);
  return IsDns1123Subdomain(key.substr(0, slash)) && IsQualifiedPart(key.substr(slash + 1));
}

void ValidateMeta(const KindInfo& kind, const ObjectMeta& meta, Causes* causes) {
  if (meta.name().empty()) {
    causes->push_back(RequiredCause("metadata.name"));
  } else if (kind.kind == "Namespace" ? !IsDns1123Label(meta.name())
                                      : !IsDns1123Subdomain(meta.name())) {
    causes->push_back(InvalidCause(
        "metadata.name", meta.name(),
        "a lowercase RFC 1123 name must consist of lower case alphanumeric characters, '-' or "
        "'.', and must start and end with an alphanumeric character"));
  }
  size_t annotation_bytes = 0;
  for (const auto& [k, v] : meta.annotations()) annotation_bytes += k.size() + v.size();
  if (annotation_bytes > kMaxAnnotationBytes) {
    causes->push_back({"FieldValueTooLong", "metadata.annotations",
                       absl::StrCat("Too long: must have at most ", kMaxAnnotationBytes, " bytes")});
  }
  for (const auto& [k, v] : meta.labels()) {
    if (!IsLabelKey(k)) {
      causes->push_back(InvalidCause("metadata.labels", k, "name part must consist of alphanumeric characters, '-', '_' or '.'"));
    }
    if (!v.empty() && !IsQualifiedPart(v)) {
      causes->push_back(InvalidCause(absl::StrCat("metadata.labels[", k, "]"), v,
                                     "a valid label must be 63 characters or less, begin and end "
                                     "with an alphanumeric character, and contain only "
                                     "alphanumerics, '-', '_' or '.'"));
    }
  }
}

template <typename QuantityMap>
void ValidateQuantities(const QuantityMap& map, const std::string& path, Causes* causes) {
  for (const auto& [name, value] : map) {
    auto q = Quantity::Parse(value);
    std::string field = absl::StrCat(path, "[", name, "]");
    if (!q.ok()) {
      causes->push_back(InvalidCause(field, value, q.status().message()));
    } else if (q->IsNegative()) {
      causes->push_back(InvalidCause(field, value, "must be greater than or equal to 0"));
    }
  }
}

void ValidateContainer(const Container& c, const std::string& path,
                       absl::flat_hash_set<std::string>* names, Causes* causes) {
  if (c.name().empty()) {
    causes->push_back(RequiredCause(path + ".name"));
  } else if (!IsDns1123Label(c.name())) {
    causes->push_back(InvalidCause(path + ".name", c.name(), "must be a DNS-1123 label"));
  } else if (!names->insert(c.name()).second) {
    causes->push_back({"FieldValueDuplicate", path + ".name",
                       absl::StrCat("Duplicate value: \"", c.name(), "\"")});
  }
  if (c.image().empty()) causes->push_back(RequiredCause(path + ".image"));
  const auto& res = c.resources();
  ValidateQuantities(res.requests(), path + ".resources.requests", causes);
  ValidateQuantities(res.limits(), path + ".resources.limits", causes);
  for (const auto& [name, limit] : res.limits()) {
    auto req = res.requests().find(name);
    if (req == res.requests().end()) continue;
    auto l = Quantity::Parse(limit);
    auto r = Quantity::Parse(req->second);
    if (l.ok() && r.ok() && r->Compare(*l) > 0) {
      causes->push_back(InvalidCause(absl::StrCat(path, ".resources.requests[", name, "]"),
                                     req->second, absl::StrCat("must be less than or equal to ", name, " limit of ", limit)));
    }
  }
  for (int i = 0; i < c.ports_size(); ++i) {
    const auto& p = c.ports(i);
    std::string pp = absl::StrCat(path, ".ports[", i, "]");
    if (p.container_port() < 1 || p.container_port() > 65535) {
      causes->push_back(InvalidCause(pp + ".containerPort", std::to_string(p.container_port()),
                                     "must be between 1 and 65535, inclusive"));
    }
    if (p.host_port() < 0 || p.host_port() > 65535) {
      causes->push_back(InvalidCause(pp + ".hostPort", std::to_string(p.host_port()),
                                     "must be between 1 and 65535, inclusive"));
    }
    if (!p.protocol().empty() && p.protocol() != "TCP" && p.protocol() != "UDP" && p.protocol() != "SCTP") {
      causes->push_back(NotSupportedCause(pp + ".protocol", p.protocol(), {"SCTP", "TCP", "UDP"}));
    }
  }
  for (int i = 0; i < c.env_size(); ++i) {
    const EnvVar& env = c.env(i);
    std::string at = absl::StrCat(path, ".env[", i, "]");
    if (env.name().empty()) causes->push_back(RequiredCause(at + ".name"));
    if (!env.has_value_from()) continue;
    const EnvVarSource& from = env.value_from();
    if (!env.value().empty()) {
      causes->push_back(InvalidCause(at + ".valueFrom", "", "may not be specified when `value` is not empty"));
    }
    if (from.has_field_ref() && !IsEnvFieldPath(from.field_ref().field_path())) {
      causes->push_back(NotSupportedCause(at + ".valueFrom.fieldRef.fieldPath", from.field_ref().field_path(),
                                          {"metadata.annotations", "metadata.labels", "metadata.name",
                                           "metadata.namespace", "metadata.uid", "spec.nodeName",
                                           "spec.serviceAccountName", "status.hostIP", "status.podIP"}));
    }
    if (from.has_resource_field_ref()) {
      const auto& ref = from.resource_field_ref();
      if (!IsResourceFieldName(ref.resource())) {
        causes->push_back(NotSupportedCause(at + ".valueFrom.resourceFieldRef.resource", ref.resource(),
                                            {"limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu",
                                             "requests.ephemeral-storage", "requests.memory"}));
      }
      auto divisor = Quantity::Parse(ref.divisor().empty() ? "1" : ref.divisor());
      if (!divisor.ok() || divisor->MilliValue() <= 0) {
        causes->push_back(InvalidCause(at + ".valueFrom.resourceFieldRef.divisor", ref.divisor(), "must be a positive quantity"));
      }
    }
  }
}

void ValidateNodeSelectorRequirement(const NodeSelectorRequirement& r, const std::string& path,
                                     Causes* causes) {
  static const std::vector<absl::string_view> kOps = {"DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"};
  const std::string& op = r.operator_();
  if (std::find(kOps.begin(), kOps.end(), op) == kOps.end()) {
    causes->push_back(NotSupportedCause(path + ".operator", op, kOps));
    return;
  }
  if ((op == "In" || op == "NotIn") && r.values().empty()) {
    causes->push_back(RequiredCause(path + ".values"));
  }
  if ((op == "Exists" || op == "DoesNotExist") && !r.values().empty()) {
    causes->push_back({"FieldValueForbidden", path + ".values",
                       "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"});
  }
  if ((op == "Gt" || op == "Lt") && r.values_size() != 1) {
    causes->push_back(RequiredCause(path + ".values"));
  }
}

void ValidateTaintEffect(const std::string& effect, const std::string& path, bool allow_empty,
                         Causes* causes) {
  if (effect.empty() && allow_empty) return;
  if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
    causes->push_back(NotSupportedCause(path, effect, {"NoExecute", "NoSchedule", "PreferNoSchedule"}));
  }
}

// Kubernetes lets an existing pod change only these spec fields.
bool PodSpecChangeAllowed(const PodSpec& now, const PodSpec& before) {
  PodSpec a = now;
  PodSpec b = before;
  for (PodSpec* s : {&a, &b}) {
    for (auto& c : *s->mutable_containers()) c.clear_image();
    for (auto& c : *s->mutable_init_containers()) c.clear_image();
    s->clear_active_deadline_seconds();
    s->clear_tolerations();
  }
  // spec.nodeName is set through pods/binding only, never by an update.
  if (!google::protobuf::util::MessageDifferencer::Equals(a, b)) return false;
  // Tolerations may only be added: every existing one must remain as it was.
  for (const auto& kept : before.tolerations()) {
    bool found = false;
    for (const auto& t : now.tolerations()) {
      found = found || google::protobuf::util::MessageDifferencer::Equals(kept, t);
    }
    if (!found) return false;
  }
  return true;
}

// A reclaimed pod runs on reclaimed resources only: cpu or memory requests
// would be charged to the online capacity it is meant to leave alone.
void ValidateQosClass(const Pod& pod, Causes* causes) {
  auto qos = ParseQosClass(pod);
  if (!qos.ok()) {
    for (auto& cause : DetailsOf(qos.status()).causes) causes->push_back(std::move(cause));
    return;
  }
  for (int i = 0; i < pod.spec().containers_size(); ++i) {
    const auto& requests = pod.spec().containers(i).resources().requests();
    std::string path = absl::StrCat("spec.containers[", i, "].resources.requests");
    for (const auto& [name, value] : requests) {
      if (*qos == QosClass::kReclaimed && (name == "cpu" || name == "memory")) {
        causes->push_back({"FieldValueForbidden", absl::StrCat(path, "[", name, "]"),
                           absl::StrCat("Forbidden: a reclaimed pod requests ", kReclaimedMilliCpu, " and ",
                                        kReclaimedMemory, " (or their Katalyst and Koordinator names), not ", name)});
      }
      auto q = Quantity::Parse(value);
      if (CanonicalResourceName(name) == kReclaimedMilliCpu && q.ok() && q->MilliValue() != q->Value() * 1000) {
        causes->push_back(InvalidCause(absl::StrCat(path, "[", name, "]"), value, "must be a whole number of millicores"));
      }
    }
  }
}

void ValidatePod(const Pod& pod, const Pod* old, Causes* causes) {
  const PodSpec& spec = pod.spec();
  if (spec.containers().empty()) causes->push_back(RequiredCause("spec.containers"));
  absl::flat_hash_set<std::string> names;
  std::vector<std::string> volumes;
  ValidateVolumes(spec, &volumes, causes);
  for (int i = 0; i < spec.containers_size(); ++i) {
    std::string path = absl::StrCat("spec.containers[", i, "]");
    ValidateContainer(spec.containers(i), path, &names, causes);
    ValidateContainerExtras(spec.containers(i), path, volumes, false, causes);
  }
  for (int i = 0; i < spec.init_containers_size(); ++i) {
    std::string path = absl::StrCat("spec.initContainers[", i, "]");
    ValidateContainer(spec.init_containers(i), path, &names, causes);
    ValidateContainerExtras(spec.init_containers(i), path, volumes, true, causes);
  }
  const std::string& rp = spec.restart_policy();
  if (rp != "Always" && rp != "OnFailure" && rp != "Never") {
    causes->push_back(NotSupportedCause("spec.restartPolicy", rp, {"Always", "OnFailure", "Never"}));
  }
  if (spec.termination_grace_period_seconds() < 0) {
    causes->push_back(InvalidCause("spec.terminationGracePeriodSeconds",
                                   std::to_string(spec.termination_grace_period_seconds()),
                                   "must be greater than or equal to 0"));
  }
  for (int i = 0; i < spec.tolerations_size(); ++i) {
    const auto& t = spec.tolerations(i);
    std::string path = absl::StrCat("spec.tolerations[", i, "]");
    if (t.operator_() != "Equal" && t.operator_() != "Exists") {
      causes->push_back(NotSupportedCause(path + ".operator", t.operator_(), {"Equal", "Exists"}));
    }
    if (t.operator_() == "Exists" && !t.value().empty()) {
      causes->push_back(InvalidCause(path + ".operator", t.operator_(),
                                     "value must be empty when `operator` is 'Exists'"));
    }
    if (t.key().empty() && t.operator_() != "Exists") {
      causes->push_back(InvalidCause(path + ".operator", t.operator_(),
                                     "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    }
    ValidateTaintEffect(t.effect(), path + ".effect", true, causes);
  }
  const auto& na = spec.affinity().node_affinity();
  const auto& terms = na.required_during_scheduling_ignored_during_execution().node_selector_terms();
  for (int i = 0; i < terms.size(); ++i) {
    std::string base = absl::StrCat(
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[", i, "]");
    for (int j = 0; j < terms[i].match_expressions_size(); ++j) {
      ValidateNodeSelectorRequirement(terms[i].match_expressions(j),
                                      absl::StrCat(base, ".matchExpressions[", j, "]"), causes);
    }
  }
  for (int i = 0; i < na.preferred_during_scheduling_ignored_during_execution_size(); ++i) {
    const auto& p = na.preferred_during_scheduling_ignored_during_execution(i);
    std::string base = absl::StrCat(
        "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[", i, "]");
    if (p.weight() < 1 || p.weight() > 100) {
      causes->push_back(InvalidCause(base + ".weight", std::to_string(p.weight()), "must be in the range 1-100"));
    }
    for (int j = 0; j < p.preference().match_expressions_size(); ++j) {
      ValidateNodeSelectorRequirement(p.preference().match_expressions(j),
                                      absl::StrCat(base, ".preference.matchExpressions[", j, "]"), causes);
    }
  }
  auto check_pod_affinity = [&](const PodAffinity& a, const std::string& base) {
    for (int i = 0; i < a.required_during_scheduling_ignored_during_execution_size(); ++i) {
      if (a.required_during_scheduling_ignored_during_execution(i).topology_key().empty()) {
        causes->push_back(RequiredCause(absl::StrCat(
            base, ".requiredDuringSchedulingIgnoredDuringExecution[", i, "].topologyKey")));
      }
    }
    for (int i = 0; i < a.preferred_during_scheduling_ignored_during_execution_size(); ++i) {
      const auto& w = a.preferred_during_scheduling_ignored_during_execution(i);
      std::string p = absl::StrCat(base, ".preferredDuringSchedulingIgnoredDuringExecution[", i, "]");
      if (w.weight() < 1 || w.weight() > 100) {
        causes->push_back(InvalidCause(p + ".weight", std::to_string(w.weight()), "must be in the range 1-100"));
      }
      if (w.pod_affinity_term().topology_key().empty()) {
        causes->push_back(RequiredCause(p + ".podAffinityTerm.topologyKey"));
      }
    }
  };
  ValidateQosClass(pod, causes);
  check_pod_affinity(spec.affinity().pod_affinity(), "spec.affinity.podAffinity");
  check_pod_affinity(spec.affinity().pod_anti_affinity(), "spec.affinity.podAntiAffinity");
  if (old != nullptr && !PodSpecChangeAllowed(spec, old->spec())) {
    causes->push_back({"FieldValueForbidden", "spec",
                       "Forbidden: pod updates may not change fields other than "
                       "`spec.containers[*].image`, `spec.initContainers[*].image`, "
                       "`spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to "
                       "existing tolerations)"});
  }
}

void ValidateGang(const PodGroupShape& shape, const google::protobuf::Message& group, Causes* causes) {
  GangSpec gang = shape.Spec(group);
  if (gang.min_member < shape.min_member_floor()) {
    causes->push_back(InvalidCause("spec.minMember", std::to_string(gang.min_member),
                                   absl::StrCat("must be greater than or equal to ", shape.min_member_floor())));
  }
  if (gang.schedule_timeout_seconds < 0) {
    causes->push_back(InvalidCause("spec.scheduleTimeoutSeconds", std::to_string(gang.schedule_timeout_seconds),
                                   "must be greater than or equal to 0"));
  }
  ValidateQuantities(gang.min_resources, "spec.minResources", causes);
  auto topology_keys = [&](const std::vector<std::string>& keys, const char* path) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!IsLabelKey(keys[i])) {
        causes->push_back(InvalidCause(absl::StrCat("spec.affinity.podGroupAffinity.", path, "[", i, "].topologyKey"),
                                       keys[i], "must be a valid label key"));
      }
    }
  };
  topology_keys(gang.required_topology_keys, "required");
  topology_keys(gang.preferred_topology_keys, "preferred");
}

void ValidateNode(const Node& node, Causes* causes) {
  for (int i = 0; i < node.spec().taints_size(); ++i) {
    const auto& t = node.spec().taints(i);
    std::string path = absl::StrCat("spec.taints[", i, "]");
    if (t.key().empty()) causes->push_back(RequiredCause(path + ".key"));
    ValidateTaintEffect(t.effect(), path + ".effect", false, causes);
  }
  ValidateQuantities(node.status().capacity(), "status.capacity", causes);
  ValidateQuantities(node.status().allocatable(), "status.allocatable", causes);
}

}  // namespace

void ValidatePodTemplate(const PodTemplateSpec& template_, absl::string_view path, Causes* causes) {
  Pod pod;
  *pod.mutable_metadata() = template_.metadata();
  *pod.mutable_spec() = template_.spec();
  Causes of_pod;
  ValidatePod(pod, nullptr, &of_pod);
  for (FieldCause& cause : of_pod) {
    cause.field = absl::StrCat(path, ".", cause.field);
    causes->push_back(std::move(cause));
  }
}

bool IsDns1123Label(absl::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsAlnumLower(s.front()) || !IsAlnumLower(s.back())) return false;
  for (char c : s) {
    if (!IsAlnumLower(c) && c != '-') return false;
  }
  return true;
}

bool IsDns1123Subdomain(absl::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (!IsAlnumLower(s.front()) || !IsAlnumLower(s.back())) return false;
  for (char c : s) {
    if (!IsAlnumLower(c) && c != '-' && c != '.') return false;
  }
  return true;
}

absl::Status Validate(const KindInfo& kind, const google::protobuf::Message& object,
                      const google::protobuf::Message* old) {
  Causes causes;
  const ObjectMeta& meta = MetaOf(object);
  ValidateMeta(kind, meta, &causes);
  if (kind.kind == "Pod") {
    ValidatePod(static_cast<const Pod&>(object), static_cast<const Pod*>(old), &causes);
  } else if (kind.kind == "Node") {
    ValidateNode(static_cast<const Node&>(object), &causes);
  } else if (kind.kind == "PriorityClass") {
    const auto& pc = static_cast<const PriorityClass&>(object);
    if (!pc.has_value()) causes.push_back(RequiredCause("value"));
    if (pc.value() > 1000000000 && !meta.name().starts_with("system-")) {
      causes.push_back(InvalidCause("value", std::to_string(pc.value()),
                                    "must not be greater than 1000000000"));
    }
    if (old != nullptr && static_cast<const PriorityClass*>(old)->value() != pc.value()) {
      causes.push_back({"FieldValueForbidden", "value", "Forbidden: may not be changed in an update."});
    }
  } else if (const PodGroupShape* shape = FindPodGroupShape(kind)) {
    ValidateGang(*shape, object, &causes);
  } else if (kind.kind == "Event") {
    const auto& ev = static_cast<const Event&>(object);
    if (ev.involved_object().name().empty()) causes.push_back(RequiredCause("involvedObject.name"));
  } else {
    ValidateWorkload(kind, object, old, &causes);
  }
  if (causes.empty()) return absl::OkStatus();
  return InvalidError(kind.kind, meta.name(), std::move(causes));
}

}  // namespace gantry::api
