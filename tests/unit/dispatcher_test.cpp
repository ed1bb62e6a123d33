#include <doctest/doctest.h>

#include <absl/strings/str_cat.h>

#include <algorithm>

#include "dispatcher/backoff_queue.h"
#include "dispatcher/gang_tracker.h"
#include "dispatcher/namespace_shares.h"
#include "dispatcher/node_shuffler.h"
#include "dispatcher/sorting_policy.h"

using namespace gantry;
using namespace gantry::dispatcher;

namespace {

std::vector<std::string> Drain(SortingPolicy& policy) {
  std::vector<std::string> out;
  while (auto e = policy.Pop()) out.push_back(e->key);
  return out;
}

bool Even(const std::vector<size_t>& sizes) {
  auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end());
  return *hi - *lo <= 1;
}

cluster::ResourceVector Cpu(int64_t milli) {
  cluster::ResourceVector v;
  v[cluster::kCpu] = milli;
  return v;
}

}  // namespace

TEST_CASE("fifo and priority policies order units; a unit re-queued after a conflict keeps its place") {
  NamespaceShares shares;
  auto fifo = NewSortingPolicy("fifo", shares);
  auto priority = NewSortingPolicy("priority", shares);
  REQUIRE(fifo.ok());
  REQUIRE(priority.ok());
  for (auto* p : {fifo->get(), priority->get()}) {
    p->Push({"ns/low-early", "ns", 0, 1});
    p->Push({"ns/high-late", "ns", 100, 3});
    p->Push({"ns/low-late", "ns", 0, 4});
    p->Push({"ns/high-early", "ns", 100, 2});
  }
  CHECK(Drain(**fifo) == std::vector<std::string>{"ns/low-early", "ns/high-early", "ns/high-late", "ns/low-late"});
  CHECK(Drain(**priority) == std::vector<std::string>{"ns/high-early", "ns/high-late", "ns/low-early", "ns/low-late"});

  (*fifo)->Push({"ns/b", "ns", 0, 9});
  (*fifo)->Push({"ns/a-returned", "ns", 0, 5});
  CHECK(Drain(**fifo) == std::vector<std::string>{"ns/a-returned", "ns/b"});

  auto unknown = NewSortingPolicy("lottery", shares);
  REQUIRE_FALSE(unknown.ok());
  CHECK(std::string(unknown.status().message()) ==
        "unknown sorting policy \"lottery\" (choose one of fifo, priority, fair-share)");
}

TEST_CASE("fair share: the namespace holding the smallest dominant share goes next") {
  NamespaceShares shares;
  cluster::ResourceVector node;
  node[cluster::kCpu] = 10000;
  node[cluster::kMemory] = 100;
  shares.SetNode("n1", node);
  auto policy = NewSortingPolicy("fair-share", shares);
  REQUIRE(policy.ok());
  // "big" already holds half the cpu; "small" holds a tenth of the memory.
  shares.Charge("big/running", "big", Cpu(5000));
  cluster::ResourceVector mem;
  mem[cluster::kMemory] = 10;
  shares.Charge("small/running", "small", mem);
  CHECK(shares.DominantShare("big") == doctest::Approx(0.5));
  CHECK(shares.DominantShare("small") == doctest::Approx(0.1));
  CHECK(shares.DominantShare("idle") == 0);

  for (int i = 0; i < 3; ++i) (*policy)->Push({absl::StrCat("big/p", i), "big", 0, static_cast<uint64_t>(i + 1)});
  (*policy)->Push({"small/p0", "small", 0, 10});
  (*policy)->Push({"idle/p0", "idle", 0, 20});
  auto next = [&] { return (*policy)->Pop()->key; };
  CHECK(next() == "idle/p0");  // 0 share
  CHECK(next() == "small/p0");
  CHECK(next() == "big/p0");
  CHECK((*policy)->size() == 2);
  // Once "big" gives its resources back it competes on arrival order again.
  shares.Release("big/running");
  (*policy)->Push({"small/p1", "small", 0, 30});
  CHECK(next() == "big/p1");
  CHECK(next() == "big/p2");
  CHECK(next() == "small/p1");
  CHECK_FALSE((*policy)->Pop());
}

TEST_CASE("backoff doubles from 1 s to 60 s and releases by deadline or all at once") {
  CHECK(BackoffDelay(1) == absl::Seconds(1));
  CHECK(BackoffDelay(2) == absl::Seconds(2));
  CHECK(BackoffDelay(6) == absl::Seconds(32));
  CHECK(BackoffDelay(7) == absl::Seconds(60));
  CHECK(BackoffDelay(50) == absl::Seconds(60));

  BackoffQueue q;
  absl::Time t0 = absl::FromUnixSeconds(1000);
  q.Add({"a", 1}, t0 + absl::Seconds(1));
  q.Add({"b", 2}, t0 + absl::Seconds(4));
  q.Add({"c", 3}, t0 + absl::Seconds(2));
  CHECK(q.NextReady() == t0 + absl::Seconds(1));
  auto ready = q.TakeReady(t0 + absl::Seconds(2));
  REQUIRE(ready.size() == 2);
  CHECK(ready[0].key == "a");
  CHECK(ready[1].key == "c");
  CHECK(q.TakeAll().size() == 1);
  CHECK(q.NextReady() == absl::InfiniteFuture());
}

TEST_CASE("the node shuffler keeps partitions even as nodes and shards come and go") {
  NodeShuffler s(3);
  size_t moves_on_add = 0;
  for (int i = 0; i < 100; ++i) moves_on_add += s.Add(absl::StrCat("n", i)).size();
  CHECK(moves_on_add == 100);  // an added node moves no other node
  CHECK(s.Sizes() == std::vector<size_t>{34, 33, 33});

  // Removing a whole partition's worth from one shard rebalances.
  size_t moved = 0;
  for (int i = 0; i < 100; ++i) {
    std::string n = absl::StrCat("n", i);
    if (s.PartitionOf(n) == 0 && i % 2 == 0) moved += s.Remove(n).size();
  }
  CHECK(Even(s.Sizes()));
  CHECK(moved > 0);

  auto before = s.Sizes();
  size_t total = before[0] + before[1] + before[2];
  auto grow = s.SetShards(5);
  CHECK(s.Sizes().size() == 5);
  CHECK(Even(s.Sizes()));
  CHECK(grow.size() <= total / 5 * 2 + 2);  // only what the new shards need moves
  auto shrink = s.SetShards(2);
  CHECK(Even(s.Sizes()));
  for (const auto& [node, partition] : shrink) CHECK(partition < 2);
  for (int i = 0; i < 100; ++i) CHECK(s.PartitionOf(absl::StrCat("n", i)) < 2);
  CHECK(s.PartitionOf("unknown") == -1);
}

TEST_CASE("a gang waits for its PodGroup, for minMember pods and for minResources to fit the cluster") {
  GangTracker gangs;
  const std::string key = "scheduling.gantry.io/default/train";
  cluster::ResourceVector cluster = Cpu(4000);
  GangTracker::Gang& gang = gangs.AddPending(key, "default/train", "default/train-0");
  CHECK(GangTracker::WaitReason(gang, cluster) == "pod group default/train does not exist");

  api::GangSpec spec;
  spec.min_member = 2;
  gangs.SetSpec(key, "default/train", spec, std::nullopt);
  CHECK(GangTracker::WaitReason(*gangs.Find(key), cluster) ==
        "waiting for the 2 pods (minMember) of gang default/train to exist");
  gangs.AddPending(key, "default/train", "default/train-1");
  CHECK(GangTracker::WaitReason(*gangs.Find(key), cluster).empty());

  spec.min_resources = {{"cpu", "8"}};
  gangs.SetSpec(key, "default/train", spec, std::nullopt);
  CHECK(GangTracker::WaitReason(*gangs.Find(key), cluster) ==
        "gang default/train: minResources exceed what the whole cluster can allocate");
  CHECK(GangTracker::WaitReason(*gangs.Find(key), Cpu(8000)).empty());

  // Bound members count towards minMember for pods that join later.
  gangs.MarkBound(key, "default/train-0");
  gangs.MarkBound(key, "default/train-1");
  gangs.AddPending(key, "default/train", "default/train-2");
  CHECK(GangTracker::WaitReason(*gangs.Find(key), Cpu(8000)).empty());
  CHECK(gangs.Find(key)->pending.size() == 1);

  // A gang nothing refers to any more is forgotten.
  gangs.SetSpec(key, "default/train", std::nullopt, std::nullopt);
  gangs.RemovePending(key, "default/train-2");
  gangs.ForgetBound(key, "default/train-0");
  gangs.ForgetBound(key, "default/train-1");
  CHECK(gangs.Find(key) == nullptr);
}
