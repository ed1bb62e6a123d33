#include <doctest/doctest.h>

#include "apiserver/node_lease.h"
#include "common/time_format.h"
#include "coordination.pb.h"
#include "temp_store.h"

using namespace gantry;

TEST_CASE("a node's Lease is created by its first heartbeat and renewed a quarter lease later") {
  TempStore t;
  const api::KindInfo& leases = *api::FindKindByResource("coordination.k8s.io", "v1", "leases");
  api::Node node;
  node.mutable_metadata()->set_name("n1");
  node.mutable_metadata()->set_uid("uid-n1");
  absl::Time start = absl::FromUnixSeconds(1764670000);
  REQUIRE(apiserver::RenewNodeLease(*t.store, node, start).ok());
  auto read = [&] {
    auto got = t.store->Get(leases, apiserver::kNodeLeaseNamespace, "n1");
    REQUIRE(got.ok());
    return static_cast<const api::Lease&>(**got);
  };
  api::Lease lease = read();
  CHECK(lease.spec().holder_identity() == "n1");
  CHECK(lease.spec().lease_duration_seconds() == 40);
  CHECK(lease.metadata().owner_references(0).uid() == "uid-n1");
  std::string version = lease.metadata().resource_version();

  REQUIRE(apiserver::RenewNodeLease(*t.store, node, start + absl::Seconds(2)).ok());
  CHECK(read().metadata().resource_version() == version);  // too soon: nothing written
  REQUIRE(apiserver::RenewNodeLease(*t.store, node, start + absl::Seconds(10)).ok());
  CHECK(*ParseRfc3339(read().spec().renew_time()) == start + absl::Seconds(10));
}
