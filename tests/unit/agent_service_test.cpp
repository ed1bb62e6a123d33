// Every agent RPC, called over a real gRPC channel with a credential that is
// not the target's: each must be refused and change nothing.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "agent.grpc.pb.h"
#include "api/kinds.h"
#include "apiserver/agent_service.h"
#include "apiserver/node_credentials.h"
#include "core.pb.h"
#include "temp_store.h"

namespace {

using gantry::api::NodeAgent;

constexpr char kJoinSecret[] = "join-secret";

struct AgentRig {
  TempStore store;
  gantry::store::EventRecorder events{*store.store};
  std::unique_ptr<gantry::apiserver::NodeCredentials> credentials;
  std::unique_ptr<gantry::apiserver::AgentService> service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<NodeAgent::Stub> stub;

  AgentRig() {
    auto opened = gantry::apiserver::NodeCredentials::Open(store.dir + "/node-tokens");
    REQUIRE(opened.ok());
    credentials = *std::move(opened);
    service = std::make_unique<gantry::apiserver::AgentService>(*store.store, events, *credentials, kJoinSecret,
                                                                absl::Seconds(10));
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service.get());
    server = builder.BuildAndStart();
    REQUIRE(port > 0);
    stub = NodeAgent::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  ~AgentRig() {
    service->Shutdown();
    server->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return context;
  }

  // Joins a real node and returns its credential.
  std::string Join(const std::string& name, const std::string& cpu) {
    gantry::api::RegisterRequest request;
    request.set_join_secret(kJoinSecret);
    request.mutable_node()->mutable_metadata()->set_name(name);
    (*request.mutable_node()->mutable_status()->mutable_allocatable())["cpu"] = cpu;
    gantry::api::RegisterResponse response;
    grpc::ClientContext context;
    REQUIRE(stub->Register(&context, request, &response).ok());
    return response.node_token();
  }

  std::string JoinFleet(const std::string& fleet, std::initializer_list<std::string> names) {
    gantry::api::RegisterFleetRequest request;
    request.set_fleet(fleet);
    request.set_join_secret(kJoinSecret);
    for (const auto& n : names) request.add_nodes()->mutable_metadata()->set_name(n);
    gantry::api::RegisterResponse response;
    grpc::ClientContext context;
    REQUIRE(stub->RegisterFleet(&context, request, &response).ok());
    return response.node_token();
  }

  std::string AllocatableCpu(const std::string& node) {
    auto got = store.store->Get(store.nodes, "", node);
    REQUIRE(got.ok());
    const auto& n = static_cast<const gantry::api::Node&>(**got);
    auto it = n.status().allocatable().find("cpu");
    return it == n.status().allocatable().end() ? "" : it->second;
  }

  void BindPod(const std::string& name, const std::string& node) {
    auto pod = std::make_unique<gantry::api::Pod>();
    pod->mutable_metadata()->set_name(name);
    pod->mutable_metadata()->set_namespace_("default");
    pod->mutable_metadata()->set_uid("uid-" + name);
    pod->mutable_metadata()->set_deletion_timestamp("2026-01-01T00:00:00Z");
    pod->mutable_spec()->set_node_name(node);
    REQUIRE(store.store->Create(store.pods, std::move(pod)).ok());
  }
};

bool Refused(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAUTHENTICATED || s.error_code() == grpc::StatusCode::PERMISSION_DENIED;
}

}  // namespace

TEST_CASE("agent RPCs refuse a credential that is not the target's") {
  AgentRig rig;
  std::string real_token = rig.Join("real", "2");
  std::string other_token = rig.Join("other", "4");
  std::string fleet_token = rig.JoinFleet("fleet-a", {"hollow-1", "hollow-2"});
  std::string fleet_b_token = rig.JoinFleet("fleet-b", {"hollow-9"});
  rig.BindPod("on-real", "real");

  SUBCASE("Register: another node's token cannot re-register a node") {
    gantry::api::RegisterRequest request;
    request.mutable_node()->mutable_metadata()->set_name("real");
    (*request.mutable_node()->mutable_status()->mutable_allocatable())["cpu"] = "1000";
    gantry::api::RegisterResponse response;
    CHECK(Refused(rig.stub->Register(rig.As(other_token).get(), request, &response)));
    CHECK(Refused(rig.stub->Register(rig.As(fleet_token).get(), request, &response)));
    CHECK(rig.AllocatableCpu("real") == "2");
  }
  SUBCASE("RegisterFleet: a fleet's token reaches only its own nodes") {
    for (const char* target : {"real", "hollow-9", "brand-new"}) {
      CAPTURE(target);
      gantry::api::RegisterFleetRequest request;
      request.set_fleet("fleet-a");
      request.add_nodes()->mutable_metadata()->set_name("hollow-1");
      auto* foreign = request.add_nodes();
      foreign->mutable_metadata()->set_name(target);
      (*foreign->mutable_status()->mutable_allocatable())["cpu"] = "1000";
      gantry::api::RegisterResponse response;
      CHECK(Refused(rig.stub->RegisterFleet(rig.As(fleet_token).get(), request, &response)));
    }
    CHECK(rig.AllocatableCpu("real") == "2");
    CHECK(rig.store.store->Get(rig.store.nodes, "", "brand-new").status().code() == absl::StatusCode::kNotFound);
    // Another fleet's token, and a node's token, are not this fleet's.
    gantry::api::RegisterFleetRequest own;
    own.set_fleet("fleet-a");
    own.add_nodes()->mutable_metadata()->set_name("hollow-1");
    gantry::api::RegisterResponse response;
    CHECK(Refused(rig.stub->RegisterFleet(rig.As(fleet_b_token).get(), own, &response)));
    CHECK(Refused(rig.stub->RegisterFleet(rig.As(real_token).get(), own, &response)));
    // Its own nodes, with its own token, still re-register.
    CHECK(rig.stub->RegisterFleet(rig.As(fleet_token).get(), own, &response).ok());
  }
  SUBCASE("Heartbeat") {
    gantry::api::HeartbeatRequest request;
    request.set_node_name("real");
    gantry::api::HeartbeatResponse response;
    CHECK(Refused(rig.stub->Heartbeat(rig.As(other_token).get(), request, &response)));
    CHECK(Refused(rig.stub->Heartbeat(rig.As(fleet_token).get(), request, &response)));
    CHECK(rig.stub->Heartbeat(rig.As(real_token).get(), request, &response).ok());
  }
  SUBCASE("WatchPods") {
    gantry::api::WatchPodsRequest request;
    request.set_node_name("real");
    auto context = rig.As(other_token);
    auto reader = rig.stub->WatchPods(context.get(), request);
    gantry::api::PodEvent event;
    CHECK_FALSE(reader->Read(&event));
    CHECK(Refused(reader->Finish()));
  }
  SUBCASE("UpdatePodStatus") {
    gantry::api::PodStatusUpdate request;
    request.mutable_pod()->set_namespace_("default");
    request.mutable_pod()->set_name("on-real");
    request.mutable_pod()->set_node_name("real");
    request.mutable_status()->set_phase("Failed");
    gantry::api::Ack ack;
    CHECK(Refused(rig.stub->UpdatePodStatus(rig.As(other_token).get(), request, &ack)));
    // Naming its own node does not reach a pod bound elsewhere.
    request.mutable_pod()->set_node_name("other");
    CHECK(Refused(rig.stub->UpdatePodStatus(rig.As(other_token).get(), request, &ack)));
    auto pod = rig.store.store->Get(rig.store.pods, "default", "on-real");
    REQUIRE(pod.ok());
    CHECK(static_cast<const gantry::api::Pod&>(**pod).status().phase() != "Failed");
  }
  SUBCASE("ConfirmPodDeletion") {
    gantry::api::PodRef request;
    request.set_namespace_("default");
    request.set_name("on-real");
    request.set_node_name("real");
    gantry::api::Ack ack;
    CHECK(Refused(rig.stub->ConfirmPodDeletion(rig.As(other_token).get(), request, &ack)));
    request.set_node_name("other");
    CHECK(Refused(rig.stub->ConfirmPodDeletion(rig.As(other_token).get(), request, &ack)));
    CHECK(rig.store.store->Get(rig.store.pods, "default", "on-real").ok());
  }
  SUBCASE("GetPodConfig and ReportPodEvent") {
    gantry::api::PodRef ref;
    ref.set_namespace_("default");
    ref.set_name("on-real");
    ref.set_node_name("real");
    gantry::api::PodConfig config;
    CHECK(Refused(rig.stub->GetPodConfig(rig.As(other_token).get(), ref, &config)));
    CHECK(Refused(rig.stub->GetPodConfig(rig.As(fleet_token).get(), ref, &config)));
    gantry::api::PodEventReport report;
    *report.mutable_pod() = ref;
    report.set_type("Warning");
    report.set_reason("Unhealthy");
    gantry::api::Ack ack;
    CHECK(Refused(rig.stub->ReportPodEvent(rig.As(other_token).get(), report, &ack)));
    ref.set_node_name("other");
    CHECK(Refused(rig.stub->GetPodConfig(rig.As(other_token).get(), ref, &config)));
  }
  SUBCASE("Logs") {
    auto context = rig.As(other_token);
    auto stream = rig.stub->Logs(context.get());
    gantry::api::LogChunk hello;
    hello.set_node_name("real");
    stream->Write(hello);
    stream->WritesDone();
    gantry::api::LogRequest request;
    CHECK_FALSE(stream->Read(&request));
    CHECK(Refused(stream->Finish()));
  }
  SUBCASE("FleetHeartbeat and WatchFleetPods") {
    gantry::api::FleetHeartbeatRequest beat;
    beat.set_fleet("fleet-a");
    gantry::api::HeartbeatResponse response;
    CHECK(Refused(rig.stub->FleetHeartbeat(rig.As(fleet_b_token).get(), beat, &response)));
    CHECK(Refused(rig.stub->FleetHeartbeat(rig.As(real_token).get(), beat, &response)));
    gantry::api::WatchFleetPodsRequest watch;
    watch.set_fleet("fleet-a");
    auto context = rig.As(fleet_b_token);
    auto reader = rig.stub->WatchFleetPods(context.get(), watch);
    gantry::api::PodEvent event;
    CHECK_FALSE(reader->Read(&event));
    CHECK(Refused(reader->Finish()));
  }
}

TEST_CASE("a node reads exactly the ConfigMaps and Secrets its pods name") {
  AgentRig rig;
  std::string token = rig.Join("real", "2");
  const auto& config_maps = *gantry::api::FindKindByResource("", "v1", "configmaps");
  const auto& secrets = *gantry::api::FindKindByResource("", "v1", "secrets");
  for (const char* name : {"named", "unnamed"}) {
    auto cm = std::make_unique<gantry::api::ConfigMap>();
    cm->mutable_metadata()->set_name(name);
    cm->mutable_metadata()->set_namespace_("default");
    (*cm->mutable_data())["k"] = name;
    REQUIRE(rig.store.store->Create(config_maps, std::move(cm)).ok());
    auto secret = std::make_unique<gantry::api::Secret>();
    secret->mutable_metadata()->set_name(name);
    secret->mutable_metadata()->set_namespace_("default");
    REQUIRE(rig.store.store->Create(secrets, std::move(secret)).ok());
  }
  auto pod = std::make_unique<gantry::api::Pod>();
  pod->mutable_metadata()->set_name("configured");
  pod->mutable_metadata()->set_namespace_("default");
  pod->mutable_spec()->set_node_name("real");
  auto* c = pod->mutable_spec()->add_containers();
  c->add_env()->mutable_value_from()->mutable_config_map_key_ref()->set_name("named");
  c->add_env_from()->mutable_config_map_ref()->set_name("absent");
  pod->mutable_spec()->add_volumes()->mutable_projected()->add_sources()->mutable_secret()->set_name("named");
  REQUIRE(rig.store.store->Create(rig.store.pods, std::move(pod)).ok());

  gantry::api::PodRef ref;
  ref.set_namespace_("default");
  ref.set_name("configured");
  ref.set_node_name("real");
  gantry::api::PodConfig config;
  REQUIRE(rig.stub->GetPodConfig(rig.As(token).get(), ref, &config).ok());
  REQUIRE(config.config_maps_size() == 1);
  CHECK(config.config_maps(0).metadata().name() == "named");
  REQUIRE(config.secrets_size() == 1);
  CHECK(config.secrets(0).metadata().name() == "named");
}

TEST_CASE("each node that joins gets a pod range of its own, kept when it registers again") {
  AgentRig rig;
  auto join = [&](const std::string& name) {
    gantry::api::RegisterRequest request;
    request.set_join_secret(kJoinSecret);
    request.mutable_node()->mutable_metadata()->set_name(name);
    gantry::api::RegisterResponse response;
    grpc::ClientContext context;
    REQUIRE(rig.stub->Register(&context, request, &response).ok());
    return response.pod_cidr();
  };
  CHECK(join("a") == "10.42.0.0/24");
  CHECK(join("b") == "10.42.1.0/24");
  CHECK(join("a") == "10.42.0.0/24");
  auto node = rig.store.store->Get(rig.store.nodes, "", "b");
  REQUIRE(node.ok());
  CHECK(static_cast<const gantry::api::Node&>(**node).spec().pod_cidr() == "10.42.1.0/24");
}
