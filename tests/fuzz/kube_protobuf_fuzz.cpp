// Kubernetes protobuf request bodies (kubectl create namespace, auth can-i).
#include <cstddef>
#include <cstdint>

#include "api/kube_protobuf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto out = gantry::api::KubeProtobufToJson(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (out.ok()) (void)out->dump();
  return 0;
}
