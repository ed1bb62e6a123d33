// YAML from clients: typing, aliases, and every limit that keeps a small
// document from taking the server down.
#include <doctest/doctest.h>

#include <string>

#include "api/yaml_json.h"
#include "api/yaml_reader.h"

using gantry::api::ParseDocuments;
using nlohmann::json;

namespace {
bool Refused(const std::string& text) {
  auto docs = ParseDocuments(text);
  return !docs.ok() && docs.status().code() == absl::StatusCode::kInvalidArgument;
}
}  // namespace

TEST_CASE("YAML scalars are typed as Kubernetes types them") {
  auto docs = ParseDocuments(
      "a: 1\nb: \"1\"\nc: 1.5\nd: true\ne: ~\nf: 007\ng: !!str 12\nh: 1e3\n1: key\nmode: 0644\no: 0o17\nx: 0x1F\nn: 09\n");
  REQUIRE(docs.ok());
  const json& d = (*docs)[0];
  CHECK(d["a"] == 1);
  CHECK(d["b"] == "1");
  CHECK(d["c"] == 1.5);
  CHECK(d["d"] == true);
  CHECK(d["e"].is_null());
  CHECK(d["f"] == 7);  // YAML 1.1 reads it as a number too
  CHECK(d["mode"] == 420);  // octal, as kubectl reads a defaultMode
  CHECK(d["o"] == 15);
  CHECK(d["x"] == 31);
  CHECK(d["n"] == 9.0);  // not octal: a decimal number
  CHECK(d["g"] == "12");
  CHECK(d["h"] == 1000.0);
  CHECK(d["1"] == "key");
}

TEST_CASE("YAML aliases are copied, lists of kind List expanded, empty documents dropped") {
  auto docs = ParseDocuments("base: &b {x: 1}\nuse: *b\n---\n---\nkind: List\nitems:\n- {a: 1}\n- {a: 2}\n");
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 3);
  CHECK((*docs)[0]["use"]["x"] == 1);
  CHECK((*docs)[2]["a"] == 2);
}

TEST_CASE("YAML that would crash, stall or exhaust the server is refused") {
  CHECK(Refused("a: &a [*a]\n"));                          // refers to itself
  CHECK(Refused("a: *nowhere\n"));                         // unknown alias
  CHECK(Refused(std::string(100000, '[') + std::string(100000, ']')));
  CHECK(Refused(std::string("a:\n") + std::string(2000, '-') + " x\n"));
  CHECK(Refused("a: \"\xff\"\n"));                         // invalid UTF-8
  CHECK(Refused("x: 1e400\n"));                            // beyond double
  CHECK(Refused(","));                                     // looped forever in yaml-cpp 0.7
  CHECK(Refused(",[ 12, {\"]}: hello\n"));
  // Found by the fuzzer: a null kind beside items threw from the List check.
  CHECK(ParseDocuments("kind: ~\nitems:\n- a: 1\n").ok());
  std::string laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  std::string prev = "a";
  for (char level = 'b'; level <= 'i'; ++level) {
    laughs += std::string(1, level) + ": &" + level + " [";
    for (int i = 0; i < 9; ++i) laughs += (i ? ", *" : "*") + prev;
    laughs += "]\n";
    prev = std::string(1, level);
  }
  CHECK(Refused(laughs));
  // A long plain scalar is fine: no regex or recursion over its length.
  auto long_scalar = ParseDocuments("a: " + std::string(100000, 'x') + "\n");
  REQUIRE(long_scalar.ok());
  CHECK((*long_scalar)[0]["a"].get<std::string>().size() == 100000);
}

TEST_CASE("JSON bodies: depth and number limits") {
  CHECK_FALSE(gantry::api::ParseJson(std::string(5000, '[') + std::string(5000, ']')).ok());
  CHECK(gantry::api::ParseJson(std::string(500, '[') + std::string(500, ']')).ok());
  CHECK_FALSE(gantry::api::ParseJson("{\"x\":1e400}").ok());
  CHECK(gantry::api::ParseJson("{\"s\":\"[[[[\"}").ok());  // brackets inside strings do not count
}
