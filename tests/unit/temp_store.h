// A real SQLite store in a fresh temporary directory, removed afterwards.
#pragma once

#include <doctest/doctest.h>
#include <absl/strings/str_cat.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "api/kinds.h"
#include "store/sqlite_store.h"

struct TempStore {
  std::string dir;
  std::unique_ptr<gantry::store::SqliteStore> store;
  const gantry::api::KindInfo& nodes = *gantry::api::FindKindByResource("", "v1", "nodes");
  const gantry::api::KindInfo& pods = *gantry::api::FindKindByResource("", "v1", "pods");

  TempStore() {
    char tmpl[] = "/tmp/gantry-test-store-XXXXXX";
    dir = mkdtemp(tmpl);
    auto s = gantry::store::SqliteStore::Open({.path = absl::StrCat(dir, "/state.db")});
    REQUIRE(s.ok());
    store = *std::move(s);
  }
  ~TempStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};
