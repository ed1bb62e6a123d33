// kubectl-style JSONPath templates (ctl get -o jsonpath, custom-columns,
// --sort-by): any text parses or fails cleanly, and runs over a pod list.
#include <cstddef>
#include <cstdint>

#include "ctl/jsonpath.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::json* pods = new nlohmann::json(nlohmann::json::parse(R"({"kind":"List","items":[
    {"metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]},
     "status":{"phase":"Running","restarts":3}},
    {"metadata":{"name":"db"},"spec":{"containers":[{"name":"c"},{"name":"s"}]},"status":{"phase":"Pending"}}]})"));
  auto path = gantry::ctl::JsonPath::Parse(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!path.ok()) return 0;
  (void)path->Execute(*pods);
  (void)path->Select(*pods);
  return 0;
}
