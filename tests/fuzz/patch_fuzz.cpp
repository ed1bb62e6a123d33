// The four patch types applied to a pod: the first byte picks the type
// (merge, strategic, JSON patch, server-side apply), the rest is the body.
#include <cstddef>
#include <cstdint>

#include "api/json_codec.h"
#include "api/kinds.h"
#include "api/patch.h"
#include "api/yaml_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const nlohmann::json* pod = new nlohmann::json(nlohmann::json::parse(R"({
    "apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"},"finalizers":["a"]},
    "spec":{"containers":[{"name":"c","image":"busybox","env":[{"name":"A","value":"1"}],
      "ports":[{"containerPort":80}]}],"tolerations":[{"key":"k","operator":"Exists"}]}})"));
  absl::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  int type = data[0] % 4;
  auto patch = type == 3 ? gantry::api::ParseDocument(body) : gantry::api::ParseJson(body);
  if (!patch.ok()) return 0;
  nlohmann::json doc = *pod;
  absl::Status applied;
  switch (type) {
    case 0: applied = gantry::api::ApplyMergePatch(doc, *patch); break;
    case 1:
    case 3: applied = gantry::api::ApplyStrategicMergePatch(doc, *patch); break;
    case 2: applied = gantry::api::ApplyJsonPatch(doc, *patch); break;
  }
  if (!applied.ok()) return 0;
  const gantry::api::KindInfo& kind = *gantry::api::FindKindByResource("", "v1", "pods");
  auto object = kind.New();
  (void)gantry::api::DecodeObject(kind, doc, object.get(), nullptr);
  (void)doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
