#include <doctest/doctest.h>

#include "ctl/jsonpath.h"

using gantry::ctl::JsonPath;
using nlohmann::json;

namespace {
json Pods() {
  return json::parse(R"({"kind": "List", "items": [
    {"metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
     "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "nginx"}]},
     "status": {"phase": "Running", "restarts": 3}},
    {"metadata": {"name": "db"}, "spec": {"containers": [{"name": "c", "image": "pg"}, {"name": "s", "image": "x"}]},
     "status": {"phase": "Pending", "restarts": 0}}]})");
}

std::string Run(const std::string& text, const json& data = Pods()) {
  auto path = JsonPath::Parse(text);
  REQUIRE_MESSAGE(path.ok(), path.status().ToString());
  return path->Execute(data);
}
}  // namespace

TEST_CASE("fields, indexes, wildcards and slices select as kubectl's jsonpath does") {
  CHECK(Run("{.items[0].metadata.name}") == "web");
  CHECK(Run("{.items[*].metadata.name}") == "web db");
  CHECK(Run("{.items[-1].metadata.name}") == "db");
  CHECK(Run("{.items[1].spec.containers[0:2].name}") == "c s");
  CHECK(Run("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}") == "web");
  CHECK(Run("{.items[0].metadata.labels['app.kubernetes.io/name']}") == "web");
  CHECK(Run("{..image}") == "nginx pg x");
  CHECK(Run("{.items[0].status.restarts}") == "3");
  CHECK(Run("{.items[0].spec.containers[0]}") == R"({"image":"nginx","name":"c"})");
  CHECK(Run("{.items[5].metadata.name}{.nope}") == "");  // missing keys select nothing
}

TEST_CASE("filters, ranges and literals") {
  CHECK(Run("{.items[?(@.status.phase==\"Running\")].metadata.name}") == "web");
  CHECK(Run("{.items[?(@.status.restarts>1)].metadata.name}") == "web");
  CHECK(Run("{.items[?(@.spec.nodeName)].metadata.name}") == "web");
  CHECK(Run("{.items[?(@.status.phase!='Running')].metadata.name}") == "db");
  CHECK(Run("{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}") == "web\tRunning\ndb\tPending\n");
  CHECK(Run("name: {.items[0].metadata.name}!") == "name: web!");
  CHECK(Run("{range .items[*]}{range .spec.containers[*]}{.name},{end};{end}") == "c,;c,s,;");
}

TEST_CASE("Select gives the values of the first path, for columns and sort keys") {
  auto path = JsonPath::Parse("{.status.phase}");
  REQUIRE(path.ok());
  const json pods = Pods();
  auto values = path->Select(pods["items"][1]);
  REQUIRE(values.size() == 1);
  CHECK(*values[0] == "Pending");
}

TEST_CASE("malformed templates are errors that say where, never crashes") {
  for (const char* bad : {"{.items[0", "{.a", "{range .items[*]}{.x}", "{end}", "{.a[?(@.x==)]}", "{.a[1:2:0]}",
                          "{.a[x]}", "{\"open}", "{.a}}{", "{a}"}) {
    auto path = JsonPath::Parse(bad);
    CHECK_MESSAGE(!path.ok(), bad);
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{range .a}";
  for (int i = 0; i < 40; ++i) deep += "{end}";
  CHECK_FALSE(JsonPath::Parse(deep).ok());
  CHECK_FALSE(JsonPath::Parse(std::string(5000, 'x')).ok());
}
