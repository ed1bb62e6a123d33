// YAML (and JSON) manifests to JSON values, as POST bodies and ctl apply read them.
#include <cstddef>
#include <cstdint>

#include "api/yaml_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto docs = gantry::api::ParseDocuments(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!docs.ok()) return 0;
  for (const auto& doc : *docs) (void)gantry::api::ToYaml(doc);
  return 0;
}
