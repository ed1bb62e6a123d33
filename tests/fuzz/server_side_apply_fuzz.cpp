// Server-side apply of an arbitrary document (YAML or JSON) to a pod that two
// managers own parts of; the first byte says whether to force conflicts.
#include <absl/time/clock.h>

#include <cstddef>
#include <cstdint>

#include "api/json_codec.h"
#include "api/kinds.h"
#include "api/yaml_json.h"
#include "apiserver/field_manager.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  using gantry::apiserver::ApplyConfiguration;
  using gantry::apiserver::FieldOwner;
  const gantry::api::KindInfo& kind = *gantry::api::FindKindByResource("", "v1", "pods");
  static const gantry::apiserver::AppliedObject* live = [&] {
    auto pod = nlohmann::json::parse(R"({
      "apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"},"finalizers":["a"]},
      "spec":{"containers":[{"name":"c","image":"busybox","env":[{"name":"A","value":"1"}],
        "ports":[{"containerPort":80}]}],"tolerations":[{"key":"k","operator":"Exists"}]}})");
    auto owned = ApplyConfiguration(kind, nlohmann::json::object(), {}, pod, FieldOwner{"alice", ""}, false,
                                    absl::Now());
    pod["spec"]["containers"][0]["image"] = "nginx";
    auto both = ApplyConfiguration(kind, owned->object, owned->managed_fields, pod, FieldOwner{"bob", ""}, true,
                                   absl::Now());
    return new gantry::apiserver::AppliedObject(*std::move(both));
  }();
  absl::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto config = gantry::api::ParseDocument(body);
  if (!config.ok()) return 0;
  auto merged = ApplyConfiguration(kind, live->object, live->managed_fields, *config, FieldOwner{"carol", ""},
                                   data[0] & 1, absl::Now());
  if (!merged.ok()) return 0;
  auto object = kind.New();
  (void)gantry::api::DecodeObject(kind, merged->object, object.get(), nullptr);
  return 0;
}
