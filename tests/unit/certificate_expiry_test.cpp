#include <doctest/doctest.h>

#include <absl/strings/match.h>

#include <algorithm>

#include "common/tls.h"
#include "core.pb.h"
#include "server/certificate_expiry.h"
#include "temp_store.h"

using namespace gantry;

namespace {

const api::KindInfo& Events() { return *api::FindKindByResource("", "v1", "events"); }
const api::KindInfo& Namespaces() { return *api::FindKindByResource("", "v1", "namespaces"); }

void CreateKubeSystem(TempStore& t) {
  auto ns = std::make_unique<api::Namespace>();
  ns->mutable_metadata()->set_name("kube-system");
  ns->mutable_metadata()->set_uid("uid-kube-system");
  std::vector<store::WriteOp> ops;
  ops.push_back({store::WriteOp::Type::kCreate, &Namespaces(), "", "kube-system", std::move(ns), {}});
  REQUIRE(t.store->Commit(std::move(ops))[0].ok());
}

// The messages of the CertificateExpiring Events a check at `now` records.
std::vector<std::string> ExpiryWarningsAt(absl::Time now) {
  TempStore t;
  CreateKubeSystem(t);
  std::string tls_dir = t.dir + "/tls";
  REQUIRE(tls::EnsureServerTls(tls_dir, {"localhost", "127.0.0.1"}).ok());
  store::EventRecorder events(*t.store);
  server::CertificateExpiry expiry(tls_dir, *t.store, events, [now] { return now; });
  // The first check runs as the thread starts, even when asked to stop at
  // once, and Stop waits for it.
  expiry.Start();
  expiry.Stop();
  events.Flush();
  auto listed = t.store->List(Events(), {});
  REQUIRE(listed.ok());
  std::vector<std::string> messages;
  for (const auto& o : listed->items) {
    const auto& e = static_cast<const api::Event&>(*o);
    CHECK(e.type() == "Warning");
    CHECK(e.reason() == "CertificateExpiring");
    CHECK(e.involved_object().kind() == "Namespace");
    CHECK(e.involved_object().name() == "kube-system");
    messages.push_back(e.message());
  }
  return messages;
}

}  // namespace

TEST_CASE("fresh certificates raise no CertificateExpiring Event") {
  CHECK(ExpiryWarningsAt(absl::Now()).empty());
}

TEST_CASE("a server certificate within 90 days of its end raises a Warning Event saying how to renew it") {
  // The server certificate lasts a year: 300 days on, it has 65 left.
  auto messages = ExpiryWarningsAt(absl::Now() + absl::Hours(24 * 300));
  REQUIRE(messages.size() == 1);
  CHECK(absl::StrContains(messages[0], "/tls/server.crt expires "));
  CHECK(absl::StrContains(messages[0], "gantry certificate rotate"));
}

TEST_CASE("a CA within a year of its end raises its own Event") {
  // The CA lasts ten years; nine and a half on, the server certificate is long expired too.
  auto messages = ExpiryWarningsAt(absl::Now() + absl::Hours(24 * 365 * 9 + 24 * 180));
  REQUIRE(messages.size() == 2);
  std::sort(messages.begin(), messages.end());
  CHECK(absl::StrContains(messages[0], "/tls/ca.crt expires "));
  CHECK(absl::StrContains(messages[0], "cannot rotate its CA"));
  CHECK(absl::StrContains(messages[1], "/tls/server.crt expires "));
}
