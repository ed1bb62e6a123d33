#include "api/tolerations.h"

namespace gantry::api {

bool Tolerates(const Toleration& toleration, const Taint& taint) {
  if (!toleration.effect().empty() && toleration.effect() != taint.effect()) return false;
  if (!toleration.key().empty() && toleration.key() != taint.key()) return false;
  if (toleration.operator_() == "Exists") return true;
  return toleration.value() == taint.value();
}

bool ToleratesAny(const google::protobuf::RepeatedPtrField<Toleration>& tolerations, const Taint& taint) {
  for (const auto& t : tolerations) {
    if (Tolerates(t, taint)) return true;
  }
  return false;
}

}  // namespace gantry::api
