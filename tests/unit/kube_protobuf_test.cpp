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

TEST_CASE("a Deployment as kubectl create deployment sends it: IntOrString, quantities, empty strings dropped") {
  std::string container = Bytes(1, "web") + Bytes(2, "nginx") + Bytes(3, "sleep") + Bytes(3, "10") +
                          Bytes(8, Bytes(2, Bytes(1, "cpu") + Bytes(2, Bytes(1, "100m")))) +
                          Bytes(13, "");  // terminationMessagePath, written although empty
  std::string pod_spec = Bytes(2, container) + Bytes(6, "");
  std::string template_ = Bytes(1, Bytes(11, Bytes(1, "app") + Bytes(2, "web")) + Bytes(8, "")) + Bytes(2, pod_spec);
  std::string rolling = Bytes(1, Number(1, 1) + Bytes(3, "25%")) + Bytes(2, Number(1, 0) + Number(2, 2));
  std::string spec = Number(1, 3) + Bytes(2, Bytes(1, Bytes(1, "app") + Bytes(2, "web"))) + Bytes(3, template_) +
                     Bytes(4, Bytes(1, "RollingUpdate") + Bytes(2, rolling));
  auto out = KubeProtobufToJson(Envelope("apps/v1", "Deployment", Bytes(1, Bytes(1, "web")) + Bytes(2, spec)));
  REQUIRE(out.ok());
  const auto& s = (*out)["spec"];
  CHECK(s["replicas"] == 3);
  CHECK(s["selector"]["matchLabels"]["app"] == "web");
  CHECK(s["strategy"]["rollingUpdate"]["maxUnavailable"] == "25%");
  CHECK(s["strategy"]["rollingUpdate"]["maxSurge"] == 2);
  const auto& c = s["template"]["spec"]["containers"][0];
  CHECK(c["command"] == nlohmann::json::array({"sleep", "10"}));
  CHECK(c["resources"]["requests"]["cpu"] == "100m");
  CHECK_FALSE(c.contains("terminationMessagePath"));
  CHECK_FALSE(s["template"]["spec"].contains("dnsPolicy"));
  CHECK_FALSE(s["template"]["metadata"].contains("creationTimestamp"));  // a zero Time is a null one
}

TEST_CASE("a Secret's binary data arrives base64-encoded, as in JSON") {
  std::string raw = Bytes(1, Bytes(1, "creds")) + Bytes(2, Bytes(1, "key") + Bytes(2, std::string("\x00\xff", 2))) +
                    Bytes(3, "Opaque");
  auto out = KubeProtobufToJson(Envelope("v1", "Secret", raw));
  REQUIRE(out.ok());
  CHECK((*out)["data"]["key"] == "AP8=");
  CHECK((*out)["type"] == "Opaque");
}
