// JSON request bodies decoded into every kind, then defaulted, validated and
// encoded back, as the create path does.
#include <cstddef>
#include <cstdint>

#include "api/defaults.h"
#include "api/json_codec.h"
#include "api/kinds.h"
#include "api/validation.h"
#include "api/yaml_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = gantry::api::ParseJson(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!body.ok()) return 0;
  for (const gantry::api::KindInfo& kind : gantry::api::AllKinds()) {
    auto object = kind.New();
    std::vector<std::string> unknown;
    if (!gantry::api::DecodeObject(kind, *body, object.get(), &unknown).ok()) continue;
    gantry::api::ApplyDefaults(kind, object.get());
    (void)gantry::api::Validate(kind, *object, nullptr);
    (void)gantry::api::EncodeObject(kind, *object).dump();
  }
  return 0;
}
