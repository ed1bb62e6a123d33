// Resource quantities ("500m", "1.5Gi", "1e3").
#include <cstddef>
#include <cstdint>

#include "api/quantity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto q = gantry::api::Quantity::Parse(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!q.ok()) return 0;
  (void)q->Value();
  (void)q->MilliValue();
  (void)q->Compare(*q);
  return 0;
}
