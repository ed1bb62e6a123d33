#include <doctest/doctest.h>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/kinds.h"
#include "core.pb.h"
#include "store/snapshot.h"
#include "store/sqlite_store.h"
#include "temp_dir.h"

using namespace gantry;
using gantry::testing::TempDir;

namespace {

const api::KindInfo& PodKind() { return *api::FindKindByApiVersion("v1", "Pod"); }

absl::Status CreatePod(store::Store& s, const std::string& name) {
  auto pod = std::make_unique<api::Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_("default");
  std::vector<store::WriteOp> ops;
  ops.push_back({store::WriteOp::Type::kCreate, &PodKind(), "default", name, std::move(pod), {}});
  return s.Commit(std::move(ops))[0].status();
}

size_t PodCount(const std::string& db) {
  auto s = store::SqliteStore::Open({.path = db});
  REQUIRE(s.ok());
  auto list = (*s)->List(PodKind(), {});
  REQUIRE(list.ok());
  return list->items.size();
}

}  // namespace

TEST_CASE("a snapshot taken while the store writes is one consistent state that a restore brings back") {
  TempDir dir;
  std::string db = dir.path + "/state.db";
  std::string snapshot = dir.path + "/snap.db";
  {
    auto s = store::SqliteStore::Open({.path = db});
    REQUIRE(s.ok());
    for (int i = 0; i < 100; ++i) REQUIRE(CreatePod(**s, absl::StrCat("before-", i)).ok());
    std::atomic<bool> stop = false;
    std::thread writer([&] {
      for (int i = 0; !stop; ++i) (void)CreatePod(**s, absl::StrCat("during-", i));
    });
    absl::Status saved = store::SaveSnapshot(db, snapshot);
    stop = true;
    writer.join();
    REQUIRE(saved.ok());
    // Over the snapshot of a running store: an existing file is never overwritten.
    CHECK(store::SaveSnapshot(db, snapshot).code() == absl::StatusCode::kAlreadyExists);
    REQUIRE(CreatePod(**s, "after").ok());
  }
  size_t in_snapshot = PodCount(snapshot);
  CHECK(in_snapshot >= 100);
  CHECK(!std::filesystem::exists(snapshot + ".partial"));
  CHECK((std::filesystem::status(snapshot).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);

  auto kept = store::RestoreSnapshot(snapshot, db);
  REQUIRE(kept.ok());
  CHECK(absl::StrContains(*kept, "state.db.before-restore-"));
  CHECK(PodCount(db) == in_snapshot);
  CHECK(PodCount(*kept) > in_snapshot);  // the replaced store, "after" included
}

TEST_CASE("a restore refuses what is not a gantry store, and leaves the store alone") {
  TempDir dir;
  std::string db = dir.path + "/state.db";
  {
    auto s = store::SqliteStore::Open({.path = db});
    REQUIRE(s.ok());
    REQUIRE(CreatePod(**s, "keep-me").ok());
  }
  std::string junk = dir.path + "/junk.db";
  std::ofstream(junk) << "not a database at all, just some text that is long enough to be read";
  auto restored = store::RestoreSnapshot(junk, db);
  CHECK(!restored.ok());
  std::string other = dir.path + "/other.db";
  sqlite3* handle = nullptr;
  sqlite3_open(other.c_str(), &handle);
  sqlite3_exec(handle, "CREATE TABLE t (x)", nullptr, nullptr, nullptr);
  sqlite3_close(handle);
  restored = store::RestoreSnapshot(other, db);
  REQUIRE(!restored.ok());
  CHECK(absl::StrContains(restored.status().message(), "not a gantry store"));
  CHECK(store::RestoreSnapshot(dir.path + "/missing.db", db).status().code() == absl::StatusCode::kNotFound);
  CHECK(PodCount(db) == 1);
}

TEST_CASE("snapshots list oldest first and prune down to the newest") {
  TempDir dir;
  std::string db = dir.path + "/state.db";
  {
    auto s = store::SqliteStore::Open({.path = db});
    REQUIRE(s.ok());
  }
  absl::Time start = absl::FromUnixSeconds(1800000000);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(store::SaveSnapshot(db, dir.path + "/" + store::SnapshotFileName(start + absl::Hours(12 * i))).ok());
  }
  std::ofstream(dir.path + "/unrelated.db") << "x";
  auto all = store::ListSnapshots(dir.path);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 4);
  CHECK(absl::StrContains(all->front().path, "gantry-snapshot-20270115T080000Z.db"));
  auto deleted = store::PruneSnapshots(dir.path, 2);
  REQUIRE(deleted.ok());
  CHECK(deleted->size() == 2);
  auto left = store::ListSnapshots(dir.path);
  REQUIRE(left.ok());
  REQUIRE(left->size() == 2);
  CHECK(absl::StrContains(left->back().path, store::SnapshotFileName(start + absl::Hours(36))));
  CHECK(std::filesystem::exists(dir.path + "/unrelated.db"));
  CHECK(!store::PruneSnapshots(dir.path, 0).ok());
  auto none = store::ListSnapshots(dir.path + "/absent");
  REQUIRE(none.ok());
  CHECK(none->empty());
}
