#include "api/qos.h"

#include <absl/strings/str_cat.h>

#include "api/errors.h"

#include <optional>
#include <string>
#include <utility>

namespace gantry::api {
namespace {

struct Marker {
  std::string field;  // as a user would write its path
  std::string value;
  QosClass qos;
};

std::optional<QosClass> GantryClass(absl::string_view v) {
  if (v == "dedicated") return QosClass::kDedicated;
  if (v == "shared") return QosClass::kShared;
  if (v == "reclaimed") return QosClass::kReclaimed;
  if (v == "system") return QosClass::kSystem;
  return std::nullopt;
}

std::optional<QosClass> KatalystClass(absl::string_view v) {
  if (v == "dedicated_cores") return QosClass::kDedicated;
  if (v == "shared_cores") return QosClass::kShared;
  if (v == "reclaimed_cores") return QosClass::kReclaimed;
  if (v == "system_cores") return QosClass::kSystem;
  return std::nullopt;
}

std::optional<QosClass> KoordinatorClass(absl::string_view v) {
  if (v == "LSE" || v == "LSR") return QosClass::kDedicated;
  if (v == "LS") return QosClass::kShared;
  if (v == "BE") return QosClass::kReclaimed;
  if (v == "SYSTEM") return QosClass::kSystem;
  return std::nullopt;
}

bool RequestsReclaimed(const PodSpec& spec) {
  for (const auto& c : spec.containers()) {
    for (const auto& [name, q] : c.resources().requests()) {
      absl::string_view canonical = CanonicalResourceName(name);
      if (canonical == kReclaimedMilliCpu || canonical == kReclaimedMemory) return true;
    }
  }
  return false;
}

}  // namespace

absl::string_view QosClassName(QosClass c) {
  switch (c) {
    case QosClass::kDedicated:
      return "dedicated";
    case QosClass::kShared:
      return "shared";
    case QosClass::kReclaimed:
      return "reclaimed";
    case QosClass::kSystem:
      return "system";
  }
  return "shared";
}

namespace {

// The markers a class may come from, in the order they are read.
struct Source {
  bool label;  // else an annotation
  absl::string_view key;
  std::optional<QosClass> (*parse)(absl::string_view);
  const char* allowed;
};
constexpr Source kSources[] = {
    {false, kQosClassAnnotation, GantryClass, "dedicated, shared, reclaimed, system"},
    {false, kKatalystQosAnnotation, KatalystClass, "dedicated_cores, shared_cores, reclaimed_cores, system_cores"},
    {true, kKoordinatorQosLabel, KoordinatorClass, "LSE, LSR, LS, BE, SYSTEM"},
};

const google::protobuf::Map<std::string, std::string>& MapOf(const Pod& pod, const Source& s) {
  return s.label ? pod.metadata().labels() : pod.metadata().annotations();
}

}  // namespace

std::string QosMarkerOf(const Pod& pod) {
  for (const Source& s : kSources) {
    const auto& map = MapOf(pod, s);
    if (auto it = map.find(std::string(s.key)); it != map.end()) return absl::StrCat(s.key, "=", it->second);
  }
  return "";
}

absl::StatusOr<QosClass> ParseQosClass(const Pod& pod) {
  std::optional<Marker> first;
  for (const Source& s : kSources) {
    const auto& map = MapOf(pod, s);
    auto it = map.find(std::string(s.key));
    if (it == map.end()) continue;
    std::string field = absl::StrCat(s.label ? "metadata.labels" : "metadata.annotations", "[", s.key, "]");
    auto qos = s.parse(it->second);
    if (!qos) {
      return InvalidError("pods", pod.metadata().name(),
                          {InvalidCause(field, it->second, absl::StrCat("supported values: ", s.allowed))});
    }
    if (first && first->qos != *qos) {
      return InvalidError(
          "pods", pod.metadata().name(),
          {InvalidCause(field, it->second,
                        absl::StrCat("contradicts ", first->field, "=\"", first->value, "\": the class is ",
                                     QosClassName(*qos), " by one and ", QosClassName(first->qos), " by the other"))});
    }
    if (!first) first = Marker{std::move(field), it->second, *qos};
  }
  if (first) return first->qos;
  return RequestsReclaimed(pod.spec()) ? QosClass::kReclaimed : QosClass::kShared;
}

absl::string_view CanonicalResourceName(absl::string_view name) {
  if (name == "kubernetes.io/batch-cpu" || name == "resource.katalyst.kubewharf.io/reclaimed_millicpu" ||
      name == "katalyst.kubewharf.io/reclaimed_millicpu") {
    return kReclaimedMilliCpu;
  }
  if (name == "kubernetes.io/batch-memory" || name == "resource.katalyst.kubewharf.io/reclaimed_memory" ||
      name == "katalyst.kubewharf.io/reclaimed_memory") {
    return kReclaimedMemory;
  }
  return name;
}

}  // namespace gantry::api
