#include <doctest/doctest.h>

#include <string>

#include "api/errors.h"
#include "api/kube_protobuf.h"

using namespace gantry::api;

namespace {

// Protobuf wire encoding, enough to build the bodies client-go sends.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Bytes(int field, const std::string& value) { return Varint(field << 3 | 2) + Varint(value.size()) + value; }
std::string Number(int field, uint64_t value) { return Varint(field << 3) + Varint(value); }

std::string Envelope(const std::string& api_version, const std::string& kind, const std::string& raw) {
  return std::string("k8s\0", 4) + Bytes(1, Bytes(1, api_version) + Bytes(2, kind)) + Bytes(2, raw);
}

}  // namespace

TEST_CASE("a Namespace as kubectl create namespace sends it") {
  std::string meta = Bytes(1, "team-a") + Bytes(11, Bytes(1, "env") + Bytes(2, "prod")) +
                     Bytes(8, Number(1, 1764633600));  // creationTimestamp
  auto out = KubeProtobufToJson(Envelope("v1", "Namespace", Bytes(1, meta) + Bytes(2, "")));
  REQUIRE(out.ok());
  CHECK((*out)["apiVersion"] == "v1");
  CHECK((*out)["kind"] == "Namespace");
  CHECK((*out)["metadata"]["name"] == "team-a");
  CHECK((*out)["metadata"]["labels"]["env"] == "prod");
  CHECK((*out)["metadata"]["creationTimestamp"] == "2025-12-02T00:00:00Z");
}

TEST_CASE("a PriorityClass keeps its number, flag and unknown fields are skipped") {
  std::string raw = Bytes(1, Bytes(1, "high")) + Number(2, 1000) + Number(3, 1) + Bytes(4, "important") +
                    Bytes(99, "from a newer Kubernetes");
  auto out = KubeProtobufToJson(Envelope("scheduling.k8s.io/v1", "PriorityClass", raw));
  REQUIRE(out.ok());
  CHECK((*out)["value"] == 1000);
  CHECK((*out)["globalDefault"] == true);
  CHECK((*out)["description"] == "important");
}

TEST_CASE("bad protobuf bodies are 400s, other kinds are 415s") {
  CHECK(DetailsOf(KubeProtobufToJson("{\"kind\":\"Namespace\"}").status()).code == 400);
  std::string truncated = Envelope("v1", "Namespace", Bytes(1, Bytes(1, "x")));
  truncated.pop_back();
  CHECK(DetailsOf(KubeProtobufToJson(truncated).status()).code == 400);
  CHECK(DetailsOf(KubeProtobufToJson(std::string("k8s\0", 4) + "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").status()).code ==
        400);
  CHECK(DetailsOf(KubeProtobufToJson(Envelope("v1", "Pod", "")).status()).code == 415);
  CHECK(DetailsOf(KubeProtobufToJson(Envelope("v1", "ObjectMeta", "")).status()).code == 415);
  CHECK(DetailsOf(KubeProtobufToJson(Envelope("v1", "Namespace", Bytes(1, Bytes(1, "\xff")))).status()).code == 400);
  std::string wrong_wire = Envelope("v1", "Namespace", Number(1, 5));  // metadata as a number
  CHECK(DetailsOf(KubeProtobufToJson(wrong_wire).status()).code == 400);
}
