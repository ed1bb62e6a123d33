#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "api/errors.h"
#include "api/kinds.h"
#include "api/object_meta.h"
#include "core.pb.h"
#include "store/sqlite_store.h"
#include "temp_dir.h"

using namespace gantry;
using gantry::testing::TempDir;
using store::SqliteStore;
using store::WatchEvent;

namespace {

const api::KindInfo& PodKind() { return *api::FindKindByApiVersion("v1", "Pod"); }

std::unique_ptr<api::Pod> MakePod(const std::string& name, const std::string& app = "web") {
  auto pod = std::make_unique<api::Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_("default");
  pod->mutable_metadata()->set_uid(absl::StrCat("uid-", name));
  (*pod->mutable_metadata()->mutable_labels())["app"] = app;
  return pod;
}

std::unique_ptr<SqliteStore> Open(const TempDir& dir, size_t ring = 1000) {
  auto s = SqliteStore::Open({.path = absl::StrCat(dir.path, "/state.db"), .event_ring = ring});
  REQUIRE(s.ok());
  return *std::move(s);
}

int64_t Rv(const store::ObjectPtr& o) { return std::stoll(api::MetaOf(*o).resource_version()); }

std::vector<WatchEvent> Drain(store::WatchStream& w) {
  std::vector<WatchEvent> out;
  WatchEvent e;
  while (true) {
    auto got = w.Next(&e, absl::Milliseconds(50));
    if (!got.ok() || !*got) break;
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("create, get, list with selectors, and already-exists") {
  TempDir dir;
  auto s = Open(dir);
  auto a = s->Create(PodKind(), MakePod("a", "web"));
  REQUIRE(a.ok());
  CHECK(Rv(*a) == 1);
  REQUIRE(s->Create(PodKind(), MakePod("b", "db")).ok());
  auto dup = s->Create(PodKind(), MakePod("a"));
  CHECK(api::DetailsOf(dup.status()).code == 409);
  CHECK(api::DetailsOf(dup.status()).reason == "AlreadyExists");

  auto got = s->Get(PodKind(), "default", "a");
  REQUIRE(got.ok());
  CHECK(api::MetaOf(**got).uid() == "uid-a");
  CHECK(api::DetailsOf(s->Get(PodKind(), "default", "zz").status()).code == 404);

  store::ListOptions opts;
  opts.labels = *api::LabelMatcher::Parse("app=db");
  auto list = s->List(PodKind(), opts);
  REQUIRE(list.ok());
  REQUIRE(list->items.size() == 1);
  CHECK(api::MetaOf(*list->items[0]).name() == "b");
  CHECK(list->revision == 2);
  opts = {};
  opts.namespace_ = "other";
  CHECK(s->List(PodKind(), opts)->items.empty());
}

TEST_CASE("update is compare-and-swap on resourceVersion") {
  TempDir dir;
  auto s = Open(dir);
  auto created = s->Create(PodKind(), MakePod("a"));
  REQUIRE(created.ok());

  auto stale = MakePod("a");
  stale->mutable_metadata()->set_resource_version("999");
  auto conflict = s->Update(PodKind(), std::move(stale));
  CHECK(api::DetailsOf(conflict.status()).code == 409);
  CHECK(api::DetailsOf(conflict.status()).reason == "Conflict");

  auto fresh = MakePod("a", "v2");
  fresh->mutable_metadata()->set_resource_version(api::MetaOf(**created).resource_version());
  auto updated = s->Update(PodKind(), std::move(fresh));
  REQUIRE(updated.ok());
  CHECK(Rv(*updated) > Rv(*created));

  // Two writers racing from the same version: exactly one wins.
  std::string base = api::MetaOf(**updated).resource_version();
  std::atomic<int> wins{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 8; ++i) {
    racers.emplace_back([&, i] {
      auto p = MakePod("a", absl::StrCat("racer", i));
      p->mutable_metadata()->set_resource_version(base);
      if (s->Update(PodKind(), std::move(p)).ok()) ++wins;
    });
  }
  for (auto& t : racers) t.join();
  CHECK(wins == 1);
  CHECK(api::DetailsOf(s->Update(PodKind(), MakePod("missing")).status()).code == 404);
}

TEST_CASE("delete honours preconditions") {
  TempDir dir;
  auto s = Open(dir);
  auto created = s->Create(PodKind(), MakePod("a"));
  REQUIRE(created.ok());
  CHECK(api::DetailsOf(s->Delete(PodKind(), "default", "a", {.uid = "other", .resource_version = ""}).status()).code == 409);
  CHECK(api::DetailsOf(s->Delete(PodKind(), "default", "a", {.uid = "", .resource_version = "77"}).status()).code == 409);
  auto deleted = s->Delete(PodKind(), "default", "a", {.uid = "uid-a", .resource_version = ""});
  REQUIRE(deleted.ok());
  CHECK(Rv(*deleted) == Rv(*created) + 1);
  CHECK(api::DetailsOf(s->Delete(PodKind(), "default", "a").status()).code == 404);
}

TEST_CASE("a batch commits independently per write") {
  TempDir dir;
  auto s = Open(dir);
  std::vector<store::WriteOp> ops;
  ops.push_back({store::WriteOp::Type::kCreate, &PodKind(), "default", "x", MakePod("x"), {}});
  ops.push_back({store::WriteOp::Type::kCreate, &PodKind(), "default", "x", MakePod("x"), {}});
  ops.push_back({store::WriteOp::Type::kCreate, &PodKind(), "default", "y", MakePod("y"), {}});
  ops.push_back({store::WriteOp::Type::kDelete, &PodKind(), "default", "y", nullptr, {}});
  auto results = s->Commit(std::move(ops));
  REQUIRE(results.size() == 4);
  CHECK(results[0].ok());
  CHECK(api::DetailsOf(results[1].status()).reason == "AlreadyExists");
  CHECK(results[2].ok());
  CHECK(results[3].ok());  // sees the create earlier in the same batch
  CHECK(s->CurrentRevision() == 3);
}

TEST_CASE("an all-or-nothing group commits whole or not at all, beside independent writes") {
  TempDir dir;
  auto s = Open(dir);
  REQUIRE(s->Create(PodKind(), MakePod("taken")).ok());
  auto op = [](store::WriteOp::Type type, const std::string& name, uint32_t group) {
    store::WriteOp w{type, &PodKind(), "default", name, type == store::WriteOp::Type::kDelete ? nullptr : MakePod(name), {}};
    w.all_or_nothing_group = group;
    return w;
  };
  std::vector<store::WriteOp> ops;
  ops.push_back(op(store::WriteOp::Type::kCreate, "solo-1", 0));
  ops.push_back(op(store::WriteOp::Type::kCreate, "gang-a-1", 1));
  ops.push_back(op(store::WriteOp::Type::kCreate, "taken", 1));  // fails: the whole group fails
  ops.push_back(op(store::WriteOp::Type::kCreate, "gang-a-2", 1));
  ops.push_back(op(store::WriteOp::Type::kCreate, "gang-b-1", 2));
  ops.push_back(op(store::WriteOp::Type::kCreate, "gang-b-2", 2));
  ops.push_back(op(store::WriteOp::Type::kDelete, "gang-a-1", 0));  // gang a never existed
  auto results = s->Commit(std::move(ops));
  REQUIRE(results.size() == 7);
  CHECK(results[0].ok());
  CHECK(results[1].status().code() == absl::StatusCode::kAborted);
  CHECK(api::DetailsOf(results[2].status()).reason == "AlreadyExists");
  CHECK(results[3].status().code() == absl::StatusCode::kAborted);
  CHECK(results[4].ok());
  CHECK(results[5].ok());
  CHECK(api::DetailsOf(results[6].status()).reason == "NotFound");
  // Revisions stay dense: the undone group took none.
  CHECK(Rv(*results[4]) == Rv(*results[0]) + 1);
  CHECK(s->CurrentRevision() == Rv(*results[5]));
  CHECK_FALSE(s->Get(PodKind(), "default", "gang-a-1").ok());
  CHECK_FALSE(s->Get(PodKind(), "default", "gang-a-2").ok());
  s.reset();
  auto reopened = Open(dir);
  CHECK(reopened->Get(PodKind(), "default", "gang-b-1").ok());
  CHECK(reopened->Get(PodKind(), "default", "gang-b-2").ok());
  CHECK_FALSE(reopened->Get(PodKind(), "default", "gang-a-2").ok());
}

TEST_CASE("the ops of an all-or-nothing group must be adjacent") {
  TempDir dir;
  auto s = Open(dir);
  std::vector<store::WriteOp> ops;
  for (const char* name : {"a", "b", "c"}) {
    ops.push_back({store::WriteOp::Type::kCreate, &PodKind(), "default", name, MakePod(name), {}});
  }
  ops[0].all_or_nothing_group = 1;
  ops[2].all_or_nothing_group = 1;
  auto results = s->Commit(std::move(ops));
  CHECK(results[0].status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(results[1].ok());
  CHECK(results[2].status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(s->Get(PodKind(), "default", "a").ok());
}

TEST_CASE("state and revisions survive a reopen") {
  TempDir dir;
  int64_t last;
  {
    auto s = Open(dir);
    REQUIRE(s->Create(PodKind(), MakePod("a")).ok());
    REQUIRE(s->Create(PodKind(), MakePod("b")).ok());
    REQUIRE(s->Delete(PodKind(), "default", "b").ok());
    last = s->CurrentRevision();
  }
  auto s = Open(dir);
  CHECK(s->CurrentRevision() == last);
  CHECK(s->Get(PodKind(), "default", "a").ok());
  CHECK_FALSE(s->Get(PodKind(), "default", "b").ok());
  auto c = s->Create(PodKind(), MakePod("c"));
  REQUIRE(c.ok());
  CHECK(Rv(*c) == last + 1);
}

TEST_CASE("concurrent writers are group-committed and all acknowledged") {
  TempDir dir;
  auto s = Open(dir);
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) REQUIRE(s->Create(PodKind(), MakePod(absl::StrCat("p", t, "-", i))).ok());
    });
  }
  for (auto& w : writers) w.join();
  CHECK(s->List(PodKind(), {})->items.size() == 400);
  CHECK(s->CurrentRevision() == 400);
}

TEST_CASE("watch from zero lists current objects, then streams changes") {
  TempDir dir;
  auto s = Open(dir);
  REQUIRE(s->Create(PodKind(), MakePod("a")).ok());
  auto w = s->Watch(PodKind(), {}, 0);
  REQUIRE(w.ok());
  REQUIRE(s->Create(PodKind(), MakePod("b")).ok());
  REQUIRE(s->Delete(PodKind(), "default", "a").ok());
  auto events = Drain(**w);
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == WatchEvent::Type::kAdded);
  CHECK(api::MetaOf(*events[0].object).name() == "a");
  CHECK(events[1].type == WatchEvent::Type::kAdded);
  CHECK(events[2].type == WatchEvent::Type::kDeleted);
  CHECK(events[2].revision == 3);
}

TEST_CASE("a watcher is woken once per commit batch, and sees each batch whole") {
  TempDir dir;
  auto s = Open(dir);
  auto w = s->Watch(PodKind(), {}, s->CurrentRevision());
  REQUIRE(w.ok());
  std::atomic<int> wakes{0};
  (*w)->SetListener([&] { ++wakes; });
  std::vector<store::WriteOp> batch;
  for (int i = 0; i < 20; ++i) {
    store::WriteOp op;
    op.type = store::WriteOp::Type::kCreate;
    op.kind = &PodKind();
    op.namespace_ = "default";
    op.name = absl::StrCat("p", i);
    op.object = MakePod(op.name);
    batch.push_back(std::move(op));
  }
  for (const auto& result : s->Commit(std::move(batch))) REQUIRE(result.ok());
  CHECK(wakes == 1);
  CHECK(Drain(**w).size() == 20);
}

TEST_CASE("a stream hands the consumer only what the store has flushed") {
  store::WatchStream stream("", {}, {}, 100);
  auto pod = std::shared_ptr<const google::protobuf::Message>(MakePod("a"));
  CHECK(stream.Offer(WatchEvent::Type::kAdded, pod, nullptr, 1));        // the first since a flush: owes one
  CHECK_FALSE(stream.Offer(WatchEvent::Type::kModified, pod, pod, 2));  // already owed
  WatchEvent e;
  CHECK(*stream.Next(&e, absl::ZeroDuration()) == false);
  std::thread consumer([&] {
    WatchEvent got;
    CHECK(*stream.Next(&got, absl::Seconds(10)));
    CHECK(got.revision == 1);
  });
  stream.Flush();
  consumer.join();
  CHECK(*stream.Next(&e, absl::ZeroDuration()));
  CHECK(e.revision == 2);
  CHECK(stream.Offer(WatchEvent::Type::kDeleted, pod, nullptr, 3));
}

TEST_CASE("watch replays from a resourceVersion, and answers 410 when history is gone") {
  TempDir dir;
  auto s = Open(dir, /*ring=*/4);
  for (int i = 0; i < 10; ++i) REQUIRE(s->Create(PodKind(), MakePod(absl::StrCat("p", i))).ok());
  auto replay = s->Watch(PodKind(), {}, 7);
  REQUIRE(replay.ok());
  auto events = Drain(**replay);
  REQUIRE(events.size() == 3);
  CHECK(events[0].revision == 8);
  CHECK(events[2].revision == 10);

  auto gone = s->Watch(PodKind(), {}, 2);
  REQUIRE_FALSE(gone.ok());
  CHECK(api::DetailsOf(gone.status()).code == 410);
  CHECK(api::DetailsOf(gone.status()).reason == "Expired");
}

TEST_CASE("a watch of a kind unchanged since its revision resumes though other kinds changed, across a reopen") {
  TempDir dir;
  const api::KindInfo& events = *api::FindKindByResource("", "v1", "events");
  auto event = [](const std::string& name) {
    auto e = std::make_unique<api::Event>();
    e->mutable_metadata()->set_name(name);
    e->mutable_metadata()->set_namespace_("default");
    return e;
  };
  int64_t seen = 0;
  {
    auto s = Open(dir, /*ring=*/4);
    REQUIRE(s->Create(events, event("before")).ok());
    auto created = s->Create(PodKind(), MakePod("p"));
    REQUIRE(created.ok());
    seen = Rv(*created);
    for (int i = 0; i < 10; ++i) REQUIRE(s->Create(events, event(absl::StrCat("e", i))).ok());
    auto resumed = s->Watch(PodKind(), {}, seen);  // the pod left the ring, but nothing after it
    REQUIRE(resumed.ok());
    CHECK(Drain(**resumed).empty());
    CHECK(api::DetailsOf(s->Watch(events, {}, seen).status()).code == 410);
  }
  auto s = Open(dir, /*ring=*/4);
  auto resumed = s->Watch(PodKind(), {}, seen);
  REQUIRE(resumed.ok());
  REQUIRE(s->Create(PodKind(), MakePod("q")).ok());
  auto got = Drain(**resumed);
  REQUIRE(got.size() == 1);
  CHECK(api::MetaOf(*got[0].object).name() == "q");
  CHECK(api::DetailsOf(s->Watch(PodKind(), {}, seen - 1).status()).code == 410);
}

TEST_CASE("a change that leaves a watch's selector arrives as DELETED") {
  TempDir dir;
  auto s = Open(dir);
  auto created = s->Create(PodKind(), MakePod("a", "web"));
  REQUIRE(created.ok());
  store::ListOptions opts;
  opts.labels = *api::LabelMatcher::Parse("app=web");
  auto w = s->Watch(PodKind(), std::move(opts), Rv(*created));
  REQUIRE(w.ok());
  REQUIRE(s->Update(PodKind(), MakePod("a", "db")).ok());
  REQUIRE(s->Update(PodKind(), MakePod("a", "web")).ok());
  auto events = Drain(**w);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == WatchEvent::Type::kDeleted);
  CHECK(events[1].type == WatchEvent::Type::kAdded);
}

TEST_CASE("a watcher that falls too far behind is ended with Expired") {
  TempDir dir;
  auto opened = SqliteStore::Open({.path = absl::StrCat(dir.path, "/state.db"), .watch_queue_limit = 5});
  REQUIRE(opened.ok());
  auto& s = *opened;
  auto w = s->Watch(PodKind(), {}, s->CurrentRevision());
  REQUIRE(w.ok());
  for (int i = 0; i < 10; ++i) REQUIRE(s->Create(PodKind(), MakePod(absl::StrCat("p", i))).ok());
  WatchEvent e;
  auto got = (*w)->Next(&e, absl::Milliseconds(10));
  REQUIRE_FALSE(got.ok());
  CHECK(api::DetailsOf(got.status()).code == 410);
}

TEST_CASE("50 rounds of creating and deleting 2,000 pods leave the store file small") {
  TempDir dir;
  auto s = Open(dir);
  std::string db = absl::StrCat(dir.path, "/state.db");
  auto file_size = [](const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    return ec ? uintmax_t{0} : size;
  };
  uintmax_t round_bytes = 0;  // what one round's pods take, encoded
  uintmax_t largest = 0;      // state.db and its WAL, at their largest
  for (int round = 0; round < 50; ++round) {
    std::vector<store::WriteOp> creates;
    round_bytes = 0;
    for (int i = 0; i < 2000; ++i) {
      std::string name = absl::StrCat("churn-", round, "-", i);
      auto pod = MakePod(name);
      // About the size of a pod a Deployment stamps out.
      (*pod->mutable_metadata()->mutable_annotations())["note"] = std::string(600, 'x');
      round_bytes += pod->ByteSizeLong();
      creates.push_back({store::WriteOp::Type::kCreate, &PodKind(), "default", name, std::move(pod), {}});
    }
    for (const auto& r : s->Commit(std::move(creates))) REQUIRE(r.ok());
    std::vector<store::WriteOp> deletes;
    for (int i = 0; i < 2000; ++i) {
      std::string name = absl::StrCat("churn-", round, "-", i);
      deletes.push_back({store::WriteOp::Type::kDelete, &PodKind(), "default", name, nullptr, {}});
    }
    for (const auto& r : s->Commit(std::move(deletes))) REQUIRE(r.ok());
    largest = std::max(largest, file_size(db) + file_size(db + "-wal"));
  }
  s.reset();  // closing checkpoints the WAL into state.db
  uintmax_t after = file_size(db);
  MESSAGE("one round's pods: ", round_bytes, " bytes; state.db + WAL at most ", largest,
          " bytes; state.db after 50 rounds: ", after, " bytes");
  // The bound: the WAL stays within journal_size_limit (16 MiB) plus a
  // batch, and the deleted pods' pages went back to the file system.
  CHECK(largest < 24u << 20);
  CHECK(after < round_bytes / 4);
}
