#include "agent/agent.h"

#include "agent/network/pod_network.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <functional>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "agent.grpc.pb.h"
#include "agent/colocation_loop.h"
#include "agent/join.h"
#include "agent/log_server.h"
#include "agent/node_template.h"
#include "agent/runtime/simulated_runtime.h"
#include "agent/runtime/process_runtime.h"
#include "common/files.h"
#include "common/signals.h"
#include "common/stoppable_sleep.h"
#include "common/log_format.h"

namespace gantry::agent {
namespace {

// A call made with the node's credential, given up after `seconds`.
void WithCredential(grpc::ClientContext& ctx, const std::string& token, int seconds) {
  ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

api::PodRef RefOf(const api::Pod& pod) {
  api::PodRef ref;
  ref.set_node_name(pod.spec().node_name());
  ref.set_namespace_(pod.metadata().namespace_());
  ref.set_name(pod.metadata().name());
  ref.set_uid(pod.metadata().uid());
  return ref;
}

// Status reports and deletion confirmations travel on a few sender threads
// of their own, so the runtime never waits on the network. The latest report
// per pod wins, and one pod's reports are never sent by two threads at once
// (they would race and could land out of order).
class Reporter final : public PodStatusSink {
 public:
  static constexpr size_t kSenders = 8;

  Reporter(api::NodeAgent::Stub& stub, std::string token) : stub_(stub), token_(std::move(token)) {}

  void Start() {
    for (size_t i = 0; i < kSenders; ++i) {
      senders_.emplace_back([this](std::stop_token stop) { Run(stop); });
    }
  }
  void Stop() {
    for (auto& t : senders_) t.request_stop();
    senders_.clear();  // joins
  }

  void StatusChanged(const api::Pod& pod, const api::PodStatus& status) override {
    Enqueue(pod, [&](Item& item) { item.status = status; });
  }
  void Stopped(const api::Pod& pod) override {
    Enqueue(pod, [&](Item& item) { item.stopped = true; });
  }
  void Event(const api::Pod& pod, const std::string& type, const std::string& reason,
             const std::string& message) override {
    Enqueue(pod, [&](Item& item) {
      api::PodEventReport& report = item.events.emplace_back();
      report.set_type(type);
      report.set_reason(reason);
      report.set_message(message);
    });
  }

 private:
  struct Item {
    api::PodRef ref;
    std::optional<api::PodStatus> status;
    std::vector<api::PodEventReport> events;
    bool stopped = false;
  };

  template <typename Fn>
  void Enqueue(const api::Pod& pod, Fn fill) {
    {
      std::lock_guard lock(mu_);
      auto& item = pending_[pod.metadata().uid()];
      item.ref = RefOf(pod);
      fill(item);
    }
    ready_.notify_one();
  }

  // A pending report whose pod no other sender holds; the caller holds mu_.
  std::optional<std::pair<std::string, Item>> TakeSendable() {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (sending_.contains(it->first)) continue;
      std::pair<std::string, Item> out(it->first, std::move(it->second));
      pending_.erase(it);
      sending_.insert(out.first);
      return out;
    }
    return std::nullopt;
  }

  void Run(std::stop_token stop) {
    while (true) {
      std::optional<std::pair<std::string, Item>> next;
      {
        std::unique_lock lock(mu_);
        if (!ready_.wait(lock, stop, [&] { return (next = TakeSendable()).has_value(); })) return;
        if (!pending_.empty()) ready_.notify_one();  // more to send: wake another sender
      }
      bool sent = Send(next->second);
      {
        std::lock_guard lock(mu_);
        sending_.erase(next->first);
        if (!sent) {
          // A newer report wins; Events are all kept, the older first.
          auto [it, fresh] = pending_.try_emplace(next->first, std::move(next->second));
          if (!fresh) {
            auto& older = next->second.events;
            it->second.events.insert(it->second.events.begin(), older.begin(), older.end());
          }
        }
      }
      ready_.notify_one();  // this pod's newer report, if any, may go now
      // Only a failure pauses (the server may be restarting); new reports go at once.
      if (!sent && !SleepUnlessStopped(stop, absl::Seconds(1))) return;
    }
  }

  bool Send(const Item& item) {
    api::Ack ack;
    if (item.status) {
      grpc::ClientContext ctx;
      WithCredential(ctx, token_, 10);
      api::PodStatusUpdate update;
      *update.mutable_pod() = item.ref;
      *update.mutable_status() = *item.status;
      grpc::Status s = stub_.UpdatePodStatus(&ctx, update, &ack);
      if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
        spdlog::warn("agent: status of {} not sent: {}", item.ref.name(), s.error_message());
        return false;
      }
    }
    for (const api::PodEventReport& event : item.events) {
      grpc::ClientContext ctx;
      WithCredential(ctx, token_, 10);
      api::PodEventReport report = event;
      *report.mutable_pod() = item.ref;
      // An Event is worth one try: a lost one is not worth holding the pod's status back.
      if (grpc::Status s = stub_.ReportPodEvent(&ctx, report, &ack); !s.ok()) {
        spdlog::warn("agent: Event {} about {} not sent: {}", event.reason(), item.ref.name(), s.error_message());
      }
    }
    if (item.stopped) {
      grpc::ClientContext ctx;
      WithCredential(ctx, token_, 10);
      grpc::Status s = stub_.ConfirmPodDeletion(&ctx, item.ref, &ack);
      if (!s.ok() && s.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
        spdlog::warn("agent: deletion of {} not confirmed: {}", item.ref.name(), s.error_message());
        return false;
      }
    }
    return true;
  }

  api::NodeAgent::Stub& stub_;
  const std::string token_;
  std::mutex mu_;
  std::condition_variable_any ready_;
  absl::flat_hash_map<std::string, Item> pending_;
  absl::flat_hash_set<std::string> sending_;  // pod uids a sender holds
  std::vector<std::jthread> senders_;
};

// The server's copy of what a pod's env and volumes name, read with the node's credential.
class ServerPodConfig final : public PodConfigSource {
 public:
  ServerPodConfig(api::NodeAgent::Stub& stub, std::string token) : stub_(stub), token_(std::move(token)) {}

  absl::StatusOr<api::PodConfig> Fetch(const api::Pod& pod) override {
    grpc::ClientContext ctx;
    WithCredential(ctx, token_, 5);
    api::PodConfig config;
    grpc::Status s = stub_.GetPodConfig(&ctx, RefOf(pod), &config);
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          absl::StrCat("reading the pod's ConfigMaps and Secrets: ", s.error_message()));
    }
    return config;
  }

 private:
  api::NodeAgent::Stub& stub_;
  const std::string token_;
};

void Heartbeats(std::stop_token stop, api::NodeAgent::Stub& stub, const std::string& node, const std::string& token,
                absl::Duration every, ProcessRuntime& runtime, ColocationLoop& colocation) {
  MachineUsage machine;
  while (!stop.stop_requested()) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    api::HeartbeatRequest request;
    request.set_node_name(node);
    MachineUsage::Sample used = machine.Next();
    request.set_cpu_millicores(used.cpu_millicores);
    request.set_memory_bytes(used.memory_bytes);
    for (auto& pod : runtime.SampleUsage()) *request.add_pods() = std::move(pod);
    if (auto reclaimed = colocation.TakePublication()) *request.mutable_reclaimed() = *std::move(reclaimed);
    api::HeartbeatResponse response;
    if (grpc::Status s = stub.Heartbeat(&ctx, request, &response); !s.ok()) {
      spdlog::warn("agent: heartbeat failed: {}", s.error_message());
    }
    // Beats every `every`, and at once when the colocation loop has a new figure.
    colocation.WaitForPublication(stop, every);
  }
}

// Opens a pod stream from a revision (one node's, or a fleet's).
using OpenPodStream =
    std::function<std::unique_ptr<grpc::ClientReader<api::PodEvent>>(grpc::ClientContext*, int64_t revision)>;

// Follows the pods, resuming from the last revision after a break.
void FollowPods(std::stop_token stop, const std::string& token, const OpenPodStream& open, PodRuntime& runtime) {
  int64_t revision = 0;
  while (!stop.stop_requested()) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    // Wait for the channel to reconnect instead of failing at once on a
    // connection error remembered from before a server restart.
    ctx.set_wait_for_ready(true);
    std::stop_callback cancel(stop, [&ctx] { ctx.TryCancel(); });
    auto reader = open(&ctx, revision);
    api::PodEvent event;
    std::vector<std::string> listed;
    while (reader->Read(&event)) {
      revision = event.resource_version();
      switch (event.type()) {
        case api::PodEvent::SYNCED:
          runtime.Retain(listed);
          break;
        case api::PodEvent::PROGRESS:
          break;
        case api::PodEvent::DELETED:
          runtime.Remove(event.pod().metadata().uid());
          break;
        default:
          if (event.type() == api::PodEvent::ADDED) listed.push_back(event.pod().metadata().uid());
          runtime.Apply(event.pod());
      }
    }
    grpc::Status s = reader->Finish();
    if (stop.stop_requested()) return;
    if (s.error_code() == grpc::StatusCode::OUT_OF_RANGE) revision = 0;  // history gone: resync
    spdlog::warn("agent: pod stream ended ({}); reconnecting from revision {}", s.error_message(), revision);
    SleepUnlessStopped(stop, absl::Milliseconds(200));
  }
}

// gRPC backs off up to 2 minutes between reconnects by default; an agent
// should find a restarted server within a second.
grpc::ChannelArguments AgentChannelArguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return args;
}

// Registers with the saved credential, or with the join secret when there
// is none or the server no longer accepts it; saves what the server returns.
template <typename Call>
absl::StatusOr<std::string> RegisterWithCredential(const std::string& token_path, const std::string& secret, Call call) {
  std::string saved = ReadFile(token_path).value_or("");
  api::RegisterResponse registered;
  grpc::Status s;
  for (bool with_secret : {saved.empty(), true}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    if (!with_secret) ctx.AddMetadata("authorization", "Bearer " + saved);
    s = call(&ctx, with_secret ? secret : std::string(), &registered);
    if (s.ok() || with_secret) break;
  }
  if (!s.ok()) return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  if (auto w = WriteFileAtomic(token_path, registered.node_token(), 0600); !w.ok()) return w;
  return registered.node_token();
}

}  // namespace

struct Agent::Parts {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<api::NodeAgent::Stub> stub;
  std::unique_ptr<Reporter> reporter;
  std::unique_ptr<ServerPodConfig> config;
  std::unique_ptr<PodNetwork> network;
  std::unique_ptr<CgroupDriver> cgroups;
  std::unique_ptr<qos::CpuPools> pools;
  std::unique_ptr<qos::QosPolicy> policy;
  std::unique_ptr<ProcessRuntime> runtime;
  std::unique_ptr<ColocationLoop> colocation;
  std::unique_ptr<LogServer> logs;
  std::jthread heartbeats;
  std::jthread pods;
};

Agent::Agent(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Agent::~Agent() { Stop(); }

void Agent::Stop() {
  if (!parts_) return;
  parts_->pods.request_stop();
  parts_->heartbeats.request_stop();
  if (parts_->pods.joinable()) parts_->pods.join();
  if (parts_->heartbeats.joinable()) parts_->heartbeats.join();
  parts_->logs->Stop();
  parts_->colocation->Stop();
  parts_->runtime->Stop();
  parts_->reporter->Stop();
  parts_.reset();
}

absl::StatusOr<std::unique_ptr<Agent>> Agent::Start(const AgentOptions& options, ShimSpawner& spawner) {
  std::error_code ec;
  std::filesystem::create_directories(options.node.data_dir + "/pods", ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot create --data-dir ", options.node.data_dir, ": ", ec.message()));
  auto joined = Join(options.server_url, options.token);
  if (!joined.ok()) return joined.status();
  auto node = DescribeMachine(options.node);
  if (!node.ok()) return node.status();
  const std::string name = node->metadata().name();
  auto parts = std::make_unique<Parts>();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = joined->ca_pem;
  parts->channel = grpc::CreateCustomChannel(joined->grpc_target, grpc::SslCredentials(ssl), AgentChannelArguments());
  parts->stub = api::NodeAgent::NewStub(parts->channel);

  std::string pod_cidr;
  auto token_or = RegisterWithCredential(
      options.node.data_dir + "/node.token", joined->token.secret,
      [&](grpc::ClientContext* ctx, const std::string& secret, api::RegisterResponse* out) {
        api::RegisterRequest request;
        *request.mutable_node() = *node;
        request.set_join_secret(secret);
        grpc::Status s = parts->stub->Register(ctx, request, out);
        pod_cidr = out->pod_cidr();
        return s;
      });
  if (!token_or.ok()) {
    return absl::Status(token_or.status().code(), absl::StrCat("registering node ", name, " with ", options.server_url,
                                                                ": ", token_or.status().message()));
  }
  auto cgroups = DetectCgroupDriver("/sys/fs/cgroup", "gantry");
  if (!cgroups.ok()) return cgroups.status();
  spdlog::info("agent: node {} registered with {} (cgroup {}); pods run as host processes: images are recorded, "
               "not pulled",
               name, options.server_url, (*cgroups)->name());
  const std::string token = *std::move(token_or);
  qos::QosOptions qos = options.qos;
  auto memory_threshold =
      qos::ResolveMemoryThreshold(qos.memory_eviction_threshold, MachineUsage().Next().memory_capacity_bytes);
  if (!memory_threshold.ok()) return memory_threshold.status();
  qos.eviction.memory_threshold_bytes = *memory_threshold;
  parts->reporter = std::make_unique<Reporter>(*parts->stub, token);
  parts->config = std::make_unique<ServerPodConfig>(*parts->stub, token);
  parts->cgroups = *std::move(cgroups);
  parts->pools = std::make_unique<qos::CpuPools>(qos::DetectCpuTopology());
  parts->policy = std::make_unique<qos::QosPolicy>(*parts->pools);
  ProcessRuntimeOptions runtime_options;
  runtime_options.data_dir = options.node.data_dir;
  for (const auto& address : node->status().addresses()) {
    if (address.type() == "InternalIP" && runtime_options.node_ip.empty()) runtime_options.node_ip = address.address();
  }
  runtime_options.node_allocatable = node->status().allocatable();
  std::string why;
  parts->network = PodNetwork::Detect({.pod_cidr = pod_cidr, .data_dir = options.node.data_dir}, &why);
  if (parts->network == nullptr) {
    spdlog::warn("agent: pods share the node's network: {}", why);
  } else {
    spdlog::info("agent: pods get their own network from {}", pod_cidr);
  }
  runtime_options.network = parts->network.get();
  parts->runtime = std::make_unique<ProcessRuntime>(std::move(runtime_options),
                                                    *parts->cgroups, *parts->policy, spawner, *parts->reporter,
                                                    *parts->config);
  parts->colocation = std::make_unique<ColocationLoop>(qos, *parts->cgroups, *parts->policy, *parts->runtime);
  ProcessRuntime* runtime = parts->runtime.get();
  parts->logs = std::make_unique<LogServer>(
      *parts->stub, name, token, [runtime](const std::string& uid, const std::string& c, bool previous) {
        return runtime->LogPath(uid, c, previous);
      });
  parts->reporter->Start();
  parts->runtime->Start();
  parts->colocation->Start();
  parts->logs->Start();
  api::NodeAgent::Stub* stub = parts->stub.get();
  absl::Duration every = options.heartbeat;
  ColocationLoop* colocation = parts->colocation.get();
  parts->heartbeats = std::jthread(
      [=](std::stop_token stop) { Heartbeats(stop, *stub, name, token, every, *runtime, *colocation); });
  OpenPodStream open = [stub, name](grpc::ClientContext* ctx, int64_t revision) {
    api::WatchPodsRequest request;
    request.set_node_name(name);
    request.set_resource_version(revision);
    return stub->WatchPods(ctx, request);
  };
  parts->pods = std::jthread([=](std::stop_token stop) { FollowPods(stop, token, open, *runtime); });
  return std::unique_ptr<Agent>(new Agent(std::move(parts)));
}

namespace {

// `gantry agent --simulate N`: N hollow nodes, one credential, one stream.
int RunFleet(const AgentOptions& options, const sigset_t& signals) {
  auto shape = NodeTemplate::Load(options.node_template);
  if (!shape.ok()) {
    spdlog::critical("--node-template: {}", shape.status());
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.node.data_dir, ec);
  auto joined = Join(options.server_url, options.token);
  if (!joined.ok()) {
    spdlog::critical("agent: {}", joined.status());
    return joined.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::string fleet = options.node.name.empty() ? shape->name_prefix : options.node.name;
  api::RegisterFleetRequest request;
  request.set_fleet(fleet);
  for (int i = 0; i < options.simulate; ++i) *request.add_nodes() = shape->Instantiate(i);
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = joined->ca_pem;
  grpc::ChannelArguments args = AgentChannelArguments();
  args.SetMaxSendMessageSize(256 << 20);
  auto channel = grpc::CreateCustomChannel(joined->grpc_target, grpc::SslCredentials(ssl), args);
  auto stub = api::NodeAgent::NewStub(channel);
  auto started = absl::Now();
  auto token = RegisterWithCredential(
      options.node.data_dir + "/fleet.token", joined->token.secret,
      [&](grpc::ClientContext* ctx, const std::string& secret, api::RegisterResponse* out) {
        request.set_join_secret(secret);
        return stub->RegisterFleet(ctx, request, out);
      });
  if (!token.ok()) {
    spdlog::critical("agent: registering fleet {} with {}: {}", fleet, options.server_url, token.status());
    return 1;
  }
  spdlog::info("agent: {} simulated nodes {}-0..{} registered in {} (fleet {}); their pods are reported Running "
               "without processes",
               options.simulate, shape->name_prefix, options.simulate - 1, absl::FormatDuration(absl::Now() - started),
               fleet);
  Reporter reporter(*stub, *token);
  SimulatedRuntime runtime(reporter);
  reporter.Start();
  std::jthread heartbeats([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + *token);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      api::FleetHeartbeatRequest beat;
      beat.set_fleet(fleet);
      api::HeartbeatResponse response;
      if (grpc::Status s = stub->FleetHeartbeat(&ctx, beat, &response); !s.ok()) {
        spdlog::warn("agent: fleet heartbeat failed: {}", s.error_message());
      }
      SleepUnlessStopped(stop, options.heartbeat);
    }
  });
  OpenPodStream open = [&](grpc::ClientContext* ctx, int64_t revision) {
    api::WatchFleetPodsRequest watch;
    watch.set_fleet(fleet);
    watch.set_resource_version(revision);
    return stub->WatchFleetPods(ctx, watch);
  };
  std::jthread pods([&](std::stop_token stop) { FollowPods(stop, *token, open, runtime); });
  spdlog::info("agent: received {}, stopping the simulated fleet", ServeUntilTerminated(signals));
  pods.request_stop();
  heartbeats.request_stop();
  pods.join();
  heartbeats.join();
  reporter.Stop();
  return 0;
}

}  // namespace

int RunAgent(const AgentOptions& options) {
  if (options.simulate > 0) return RunFleet(options, BlockTerminationSignals());
  auto spawner = ShimSpawner::Fork();
  if (!spawner.ok()) {
    spdlog::critical("agent: {}", spawner.status());
    return 1;
  }
  sigset_t signals = BlockTerminationSignals();
  auto agent = Agent::Start(options, **spawner);
  if (!agent.ok()) {
    spdlog::critical("agent: {}", agent.status());
    return agent.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  spdlog::info("agent: received {}, stopping (containers keep running)", ServeUntilTerminated(signals));
  (*agent)->Stop();
  return 0;
}

}  // namespace gantry::agent
