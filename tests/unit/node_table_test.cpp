#include <doctest/doctest.h>

#include "cluster/node_table.h"

using namespace gantry;
using cluster::NodeTable;

namespace {
std::shared_ptr<api::Node> MakeNode(const std::string& name, const char* cpu, const char* memory, const char* pods = "110") {
  auto n = std::make_shared<api::Node>();
  n->mutable_metadata()->set_name(name);
  auto& alloc = *n->mutable_status()->mutable_allocatable();
  alloc["cpu"] = cpu;
  alloc["memory"] = memory;
  alloc["pods"] = pods;
  return n;
}
}  // namespace

TEST_CASE("pod requests: containers summed, init containers as a floor, one pod") {
  api::PodSpec spec;
  auto* a = spec.add_containers();
  (*a->mutable_resources()->mutable_requests())["cpu"] = "250m";
  (*a->mutable_resources()->mutable_requests())["memory"] = "64Mi";
  auto* b = spec.add_containers();
  (*b->mutable_resources()->mutable_requests())["cpu"] = "0.5";
  (*b->mutable_resources()->mutable_requests())["nvidia.com/gpu"] = "1";
  auto* init = spec.add_init_containers();
  (*init->mutable_resources()->mutable_requests())["memory"] = "1Gi";
  auto r = cluster::PodRequests(spec);
  REQUIRE(r.ok());
  CHECK((*r)[cluster::kCpu] == 750);
  CHECK((*r)[cluster::kMemory] == 1073741824);
  CHECK((*r)[cluster::kPods] == 1);
  auto gpu = cluster::ResourceSlot("nvidia.com/gpu");
  REQUIRE(gpu.ok());
  CHECK((*r)[*gpu] == 1);
  CHECK(cluster::ResourceName(*gpu) == "nvidia.com/gpu");
}

TEST_CASE("node table: upsert, charge pods, remove keeps indexes consistent") {
  NodeTable t;
  REQUIRE(t.Upsert(MakeNode("a", "4", "8Gi")).ok());
  REQUIRE(t.Upsert(MakeNode("b", "2", "4Gi")).ok());
  REQUIRE(t.Upsert(MakeNode("c", "1", "1Gi")).ok());
  CHECK(t.size() == 3);
  CHECK(t.allocatable(*t.Find("a"))[cluster::kCpu] == 4000);

  cluster::PodUsage usage;
  usage.requests[cluster::kCpu] = 500;
  usage.requests[cluster::kPods] = 1;
  usage.host_ports.push_back({0, 8080, 0});
  uint64_t before = t.generation(*t.Find("a"));
  REQUIRE(t.AddPod("a", usage).ok());
  CHECK(t.generation(*t.Find("a")) > before);
  CHECK(t.requested(*t.Find("a"))[cluster::kCpu] == 500);
  CHECK(t.host_ports(*t.Find("a")).size() == 1);
  CHECK_FALSE(t.AddPod("zz", usage).ok());

  // Re-registering a node keeps what its pods use.
  REQUIRE(t.Upsert(MakeNode("a", "8", "8Gi")).ok());
  CHECK(t.requested(*t.Find("a"))[cluster::kCpu] == 500);
  CHECK(t.allocatable(*t.Find("a"))[cluster::kCpu] == 8000);

  t.Remove("a");
  CHECK(t.size() == 2);
  CHECK_FALSE(t.Find("a").has_value());
  for (const char* name : {"b", "c"}) {
    auto i = t.Find(name);
    REQUIRE(i.has_value());
    CHECK(t.name(*i) == name);
  }
  REQUIRE(t.AddPod("c", usage).ok());
  REQUIRE(t.RemovePod("c", usage).ok());
  CHECK(t.requested(*t.Find("c"))[cluster::kCpu] == 0);
  CHECK(t.host_ports(*t.Find("c")).empty());
}

TEST_CASE("host ports collide by protocol and port unless both name different addresses") {
  cluster::HostPort any{0, 80, 0};
  cluster::HostPort one{0x0100007f, 80, 0};
  cluster::HostPort other{0x0200007f, 80, 0};
  cluster::HostPort udp{0, 80, 1};
  CHECK(any.ConflictsWith(one));
  CHECK(one.ConflictsWith(any));
  CHECK_FALSE(one.ConflictsWith(other));
  CHECK_FALSE(any.ConflictsWith(udp));
  api::PodSpec spec;
  auto* p = spec.add_containers()->add_ports();
  p->set_container_port(80);
  p->set_host_port(8080);
  p->set_host_ip("10.0.0.1");
  spec.mutable_containers(0)->add_ports()->set_container_port(81);  // no host port: not claimed
  auto ports = cluster::HostPortsOf(spec);
  REQUIRE(ports.ok());
  REQUIRE(ports->size() == 1);
  CHECK((*ports)[0].port == 8080);
  CHECK((*ports)[0].ip != 0);
}
