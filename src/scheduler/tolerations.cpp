#include "scheduler/tolerations.h"

namespace gantry::scheduler {

bool Tolerates(const api::Toleration& toleration, const api::Taint& taint) {
  if (!toleration.effect().empty() && toleration.effect() != taint.effect()) return false;
  if (!toleration.key().empty() && toleration.key() != taint.key()) return false;
  if (toleration.operator_() == "Exists") return true;
  return toleration.value() == taint.value();
}

bool ToleratesAny(const google::protobuf::RepeatedPtrField<api::Toleration>& tolerations, const api::Taint& taint) {
  for (const auto& t : tolerations) {
    if (Tolerates(t, taint)) return true;
  }
  return false;
}

}  // namespace gantry::scheduler
