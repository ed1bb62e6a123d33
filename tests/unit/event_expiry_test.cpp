#include <doctest/doctest.h>

#include "controllers/event_expiry.h"
#include "common/time_format.h"
#include "core.pb.h"
#include "temp_store.h"

using namespace gantry;

TEST_CASE("Events last seen longer ago than the TTL are deleted; recent and recurring ones stay") {
  TempStore t;
  const api::KindInfo& events = *api::FindKindByResource("", "v1", "events");
  auto add = [&](const std::string& name, const std::string& last, const std::string& series_last) {
    auto e = std::make_unique<api::Event>();
    e->mutable_metadata()->set_name(name);
    e->mutable_metadata()->set_namespace_("default");
    e->set_last_timestamp(last);
    if (!series_last.empty()) e->mutable_series()->set_last_observed_time(series_last);
    REQUIRE(t.store->Create(events, std::move(e)).ok());
  };
  add("old", "2026-12-02T08:00:00Z", "");
  add("recent", "2026-12-02T09:30:00Z", "");
  add("recurring", "2026-12-02T07:00:00Z", "2026-12-02T09:50:00Z");
  controllers::EventExpiryController expiry(*t.store, absl::Hours(1));
  CHECK(expiry.Sweep(*gantry::ParseRfc3339("2026-12-02T10:00:00Z")) == 1);
  CHECK(t.store->Get(events, "default", "old").status().code() == absl::StatusCode::kNotFound);
  CHECK(t.store->Get(events, "default", "recent").ok());
  CHECK(t.store->Get(events, "default", "recurring").ok());
}
