#include <doctest/doctest.h>

#include "api/errors.h"
#include "api/object_meta.h"
#include "core.pb.h"
#include "store/dry_run_store.h"
#include "temp_store.h"

using namespace gantry;

namespace {
std::unique_ptr<api::Pod> MakePod(const std::string& name) {
  auto pod = std::make_unique<api::Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_("default");
  return pod;
}
}  // namespace

TEST_CASE("a dry run checks writes as the store would and stores nothing") {
  TempStore t;
  REQUIRE(t.store->Create(t.pods, MakePod("kept")).ok());
  const int64_t revision = t.store->CurrentRevision();
  store::DryRunStore dry(*t.store);

  auto created = dry.Create(t.pods, MakePod("new"));
  REQUIRE(created.ok());
  CHECK(api::MetaOf(**created).resource_version().empty());
  CHECK(api::DetailsOf(dry.Create(t.pods, MakePod("kept")).status()).reason == "AlreadyExists");

  auto changed = MakePod("kept");
  changed->mutable_spec()->set_node_name("n1");
  auto updated = dry.Update(t.pods, std::move(changed));
  REQUIRE(updated.ok());
  CHECK(static_cast<const api::Pod&>(**updated).spec().node_name() == "n1");
  auto stale = MakePod("kept");
  stale->mutable_metadata()->set_resource_version("999");
  CHECK(api::DetailsOf(dry.Update(t.pods, std::move(stale)).status()).code == 409);

  CHECK(dry.Delete(t.pods, "default", "kept").ok());
  CHECK(dry.Delete(t.pods, "default", "kept", {.uid = "other", .resource_version = ""}).status().code() == absl::StatusCode::kAborted);

  CHECK(t.store->CurrentRevision() == revision);
  CHECK_FALSE(t.store->Get(t.pods, "default", "new").ok());
  auto kept = t.store->Get(t.pods, "default", "kept");
  REQUIRE(kept.ok());
  CHECK(static_cast<const api::Pod&>(**kept).spec().node_name().empty());
}
