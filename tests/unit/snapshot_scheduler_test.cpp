#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include <chrono>
#include <thread>

#include "core.pb.h"
#include "server/snapshot_scheduler.h"
#include "store/snapshot.h"
#include "temp_store.h"

using namespace gantry;

namespace {

void CreatePod(TempStore& t, const std::string& name) {
  auto pod = std::make_unique<api::Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_("default");
  std::vector<store::WriteOp> ops;
  ops.push_back({store::WriteOp::Type::kCreate, &t.pods, "default", name, std::move(pod), {}});
  REQUIRE(t.store->Commit(std::move(ops))[0].ok());
}

std::vector<std::string> SnapshotPaths(const std::string& dir) {
  auto listed = store::ListSnapshots(dir);
  REQUIRE(listed.ok());
  std::vector<std::string> paths;
  for (const auto& file : *listed) paths.push_back(file.path);
  return paths;
}

}  // namespace

TEST_CASE("a scheduled snapshot is saved when the schedule fires, and the oldest beyond the retention are pruned") {
  TempStore t;
  CreatePod(t, "kept");
  std::string db = t.dir + "/state.db";
  std::string dir = t.dir + "/snapshots";
  // Two older snapshots, as earlier runs of the schedule left them.
  std::vector<std::string> older = {
      absl::StrCat(dir, "/", store::SnapshotFileName(absl::FromUnixSeconds(1700000000))),
      absl::StrCat(dir, "/", store::SnapshotFileName(absl::FromUnixSeconds(1700043200)))};
  std::filesystem::create_directories(dir);
  for (const auto& path : older) REQUIRE(store::SaveSnapshot(db, path).ok());

  // A clock 300 ms before a minute starts, so "every minute" fires at once
  // (in the test's time) and not again before it ends.
  absl::Time real_start = absl::Now();
  absl::Time fake_start = absl::FromUnixSeconds(1800000000 - 60) + absl::Seconds(59.7);
  auto clock = [=] { return fake_start + (absl::Now() - real_start); };
  auto scheduler = server::SnapshotScheduler::Start(
      db, {.schedule = "* * * * *", .retention = 2, .dir = dir}, clock);
  REQUIRE(scheduler.ok());
  std::vector<std::string> paths;
  for (int i = 0; i < 100; ++i) {
    paths = SnapshotPaths(dir);
    if (paths.size() == 2 && paths[0] == older[1]) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  (*scheduler)->Stop();

  REQUIRE(paths.size() == 2);
  CHECK(paths[0] == older[1]);  // the oldest went, the newer older one stays
  CHECK(paths[1] == absl::StrCat(dir, "/", store::SnapshotFileName(absl::FromUnixSeconds(1800000000))));
  auto copy = store::SqliteStore::Open({.path = paths[1]});
  REQUIRE(copy.ok());
  auto pods = (*copy)->List(t.pods, {});
  REQUIRE(pods.ok());
  REQUIRE(pods->items.size() == 1);
  CHECK(pods->items[0]->GetDescriptor()->name() == "Pod");
}

TEST_CASE("a scheduler waiting for its next snapshot stops at once") {
  TempStore t;
  std::string dir = t.dir + "/snapshots";
  auto scheduler = server::SnapshotScheduler::Start(t.dir + "/state.db",
                                                    {.schedule = "0 */12 * * *", .retention = 5, .dir = dir});
  REQUIRE(scheduler.ok());
  auto before = std::chrono::steady_clock::now();
  (*scheduler)->Stop();
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(5));
  CHECK(SnapshotPaths(dir).empty());
}

TEST_CASE("a schedule that does not parse, or a retention below one, is refused at start") {
  TempStore t;
  CHECK_FALSE(server::SnapshotScheduler::Start(t.dir + "/state.db", {.schedule = "every noon", .dir = t.dir}).ok());
  CHECK_FALSE(server::SnapshotScheduler::Start(t.dir + "/state.db", {.retention = 0, .dir = t.dir}).ok());
}
