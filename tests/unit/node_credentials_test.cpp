#include <doctest/doctest.h>

#include <filesystem>

#include "apiserver/node_credentials.h"
#include "common/files.h"
#include "common/join_token.h"

using namespace gantry;

TEST_CASE("node credentials: a node's token is good for that node only, a fleet's for its nodes only") {
  char tmpl[] = "/tmp/gantry-creds-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string path = dir + "/node-tokens";
  {
    auto creds = apiserver::NodeCredentials::Open(path);
    REQUIRE(creds.ok());
    auto a = (*creds)->Issue("node-a");
    auto b = (*creds)->Issue("node-b");
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK((*creds)->Verify("node-a", *a));
    CHECK_FALSE((*creds)->Verify("node-b", *a));  // one node cannot act as another
    CHECK_FALSE((*creds)->Verify("node-a", "guess"));
    CHECK_FALSE((*creds)->Verify("unknown", *a));

    auto fleet = (*creds)->IssueFleet("hollow", {"hollow-0", "hollow-1"});
    REQUIRE(fleet.ok());
    CHECK((*creds)->Verify("hollow-1", *fleet));
    CHECK((*creds)->VerifyFleet("hollow", *fleet));
    CHECK_FALSE((*creds)->Verify("node-a", *fleet));  // the fleet's token covers only its nodes
    CHECK_FALSE((*creds)->VerifyFleet("hollow", *a));

    // A rejoin replaces the earlier token.
    auto a2 = (*creds)->Issue("node-a");
    REQUIRE(a2.ok());
    CHECK_FALSE((*creds)->Verify("node-a", *a));
    CHECK((*creds)->Verify("node-a", *a2));

    // Only hashes are stored.
    auto stored = ReadFile(path);
    REQUIRE(stored.ok());
    CHECK(stored->find(*a2) == std::string::npos);
    CHECK(stored->find(Sha256Hex(*a2)) != std::string::npos);

    // Reopened from the file, the same answers.
    auto reopened = apiserver::NodeCredentials::Open(path);
    REQUIRE(reopened.ok());
    CHECK((*reopened)->Verify("node-a", *a2));
    CHECK((*reopened)->Verify("hollow-0", *fleet));
    CHECK((*reopened)->FleetNodes("hollow") == std::vector<std::string>{"hollow-0", "hollow-1"});
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("join tokens: K10<sha256 of the CA>::server:<secret>, malformed ones named") {
  std::string token = FormatJoinToken("-----BEGIN CERTIFICATE-----\n", "s3cret");
  auto parsed = ParseJoinToken(token + "\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->secret == "s3cret");
  CHECK(parsed->ca_hash == Sha256Hex("-----BEGIN CERTIFICATE-----\n"));
  CHECK(ParseJoinToken("abc").status().message().find("no K10 prefix") != std::string::npos);
  CHECK(ParseJoinToken("K10abc::server:x").status().message().find("64 hex digits") != std::string::npos);
  CHECK(ParseJoinToken("K10" + std::string(64, 'a') + "::server:").status().message().find("empty secret") !=
        std::string::npos);
}
