#include "agent/agent.h"

#include <absl/strings/str_cat.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "agent.grpc.pb.h"
#include "agent/join.h"
#include "agent/log_server.h"
#include "agent/runtime/process_runtime.h"
#include "common/files.h"
#include "common/log_format.h"

namespace gantry::agent {
namespace {

// Status reports and deletion confirmations travel on their own thread so
// the runtime never waits on the network; the latest status per pod wins.
class Reporter final : public PodStatusSink {
 public:
  static constexpr size_t kParallelSends = 8;

  Reporter(api::NodeAgent::Stub& stub, std::string node, std::string token)
      : stub_(stub), node_(std::move(node)), token_(std::move(token)) {}

  void Start() {
    thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  }
  void Stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }

  void StatusChanged(const api::Pod& pod, const api::PodStatus& status) override {
    Enqueue(pod, [&](Item& item) { item.status = status; });
  }
  void Stopped(const api::Pod& pod) override {
    Enqueue(pod, [&](Item& item) { item.stopped = true; });
  }

 private:
  struct Item {
    api::PodRef ref;
    std::optional<api::PodStatus> status;
    bool stopped = false;
  };

  template <typename Fn>
  void Enqueue(const api::Pod& pod, Fn fill) {
    {
      std::lock_guard lock(mu_);
      auto& item = pending_[pod.metadata().uid()];
      item.ref.set_node_name(node_);
      item.ref.set_namespace_(pod.metadata().namespace_());
      item.ref.set_name(pod.metadata().name());
      item.ref.set_uid(pod.metadata().uid());
      fill(item);
    }
    ready_.notify_one();
  }

  void Run(std::stop_token stop) {
    while (!stop.stop_requested()) {
      absl::flat_hash_map<std::string, Item> batch;
      {
        std::unique_lock lock(mu_);
        if (!ready_.wait(lock, stop, [this] { return !pending_.empty(); })) return;
        batch.swap(pending_);
      }
      // Reports of different pods are independent: send them on a few
      // connections' worth of threads rather than one round trip at a time.
      std::vector<std::pair<std::string, Item>> items(std::make_move_iterator(batch.begin()),
                                                      std::make_move_iterator(batch.end()));
      std::atomic<size_t> next{0};
      std::atomic<bool> failed{false};
      {
        std::vector<std::jthread> senders;
        size_t parallel = std::min<size_t>(kParallelSends, items.size());
        for (size_t t = 0; t < parallel; ++t) {
          senders.emplace_back([&] {
            for (size_t i = next++; i < items.size(); i = next++) {
              if (Send(items[i].second)) continue;
              failed = true;
              std::lock_guard lock(mu_);
              pending_.try_emplace(items[i].first, std::move(items[i].second));  // a newer report wins
            }
          });
        }
      }
      // Only a failure pauses (the server may be restarting); new reports go at once.
      std::unique_lock lock(mu_);
      if (failed) ready_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
    }
  }

  bool Send(const Item& item) {
    api::Ack ack;
    if (item.status) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + token_);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      api::PodStatusUpdate update;
      *update.mutable_pod() = item.ref;
      *update.mutable_status() = *item.status;
      grpc::Status s = stub_.UpdatePodStatus(&ctx, update, &ack);
      if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
        spdlog::warn("agent: status of {} not sent: {}", item.ref.name(), s.error_message());
        return false;
      }
    }
    if (item.stopped) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + token_);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      grpc::Status s = stub_.ConfirmPodDeletion(&ctx, item.ref, &ack);
      if (!s.ok() && s.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
        spdlog::warn("agent: deletion of {} not confirmed: {}", item.ref.name(), s.error_message());
        return false;
      }
    }
    return true;
  }

  api::NodeAgent::Stub& stub_;
  const std::string node_;
  const std::string token_;
  std::mutex mu_;
  std::condition_variable_any ready_;
  absl::flat_hash_map<std::string, Item> pending_;
  std::jthread thread_;
};

// The machine's cpu (busy jiffies between calls) and memory in use.
class MachineUsage {
 public:
  void Fill(api::HeartbeatRequest& request) {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    uint64_t v[8] = {};
    stat >> cpu >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5] >> v[6] >> v[7];
    uint64_t idle = v[3] + v[4];
    uint64_t total = 0;
    for (uint64_t x : v) total += x;
    if (last_total_ > 0 && total > last_total_) {
      double busy = 1.0 - static_cast<double>(idle - last_idle_) / static_cast<double>(total - last_total_);
      request.set_cpu_millicores(static_cast<int64_t>(busy * 1000.0 * static_cast<double>(std::thread::hardware_concurrency())));
    }
    last_total_ = total;
    last_idle_ = idle;
    std::ifstream meminfo("/proc/meminfo");
    std::string key, unit;
    int64_t kib = 0, mem_total = 0, mem_available = 0;
    while (meminfo >> key >> kib >> unit) {
      if (key == "MemTotal:") mem_total = kib;
      if (key == "MemAvailable:") mem_available = kib;
    }
    request.set_memory_bytes((mem_total - mem_available) * 1024);
  }

 private:
  uint64_t last_total_ = 0;
  uint64_t last_idle_ = 0;
};

void Heartbeats(std::stop_token stop, api::NodeAgent::Stub& stub, const std::string& node, const std::string& token,
                absl::Duration every, ProcessRuntime& runtime) {
  MachineUsage machine;
  std::mutex mu;
  std::condition_variable_any never;
  std::unique_lock lock(mu);
  while (!stop.stop_requested()) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    api::HeartbeatRequest request;
    request.set_node_name(node);
    machine.Fill(request);
    for (auto& pod : runtime.SampleUsage()) *request.add_pods() = std::move(pod);
    api::HeartbeatResponse response;
    if (grpc::Status s = stub.Heartbeat(&ctx, request, &response); !s.ok()) {
      spdlog::warn("agent: heartbeat failed: {}", s.error_message());
    }
    never.wait_for(lock, stop, absl::ToChronoMilliseconds(every), [] { return false; });
  }
}

// Follows the node's pods, resuming from the last revision after a break.
void FollowPods(std::stop_token stop, api::NodeAgent::Stub& stub, const std::string& node, const std::string& token,
                PodRuntime& runtime) {
  int64_t revision = 0;
  std::mutex mu;
  std::condition_variable_any never;
  while (!stop.stop_requested()) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    std::stop_callback cancel(stop, [&ctx] { ctx.TryCancel(); });
    api::WatchPodsRequest request;
    request.set_node_name(node);
    request.set_resource_version(revision);
    auto reader = stub.WatchPods(&ctx, request);
    api::PodEvent event;
    std::vector<std::string> listed;
    while (reader->Read(&event)) {
      revision = event.resource_version();
      switch (event.type()) {
        case api::PodEvent::SYNCED:
          runtime.Retain(listed);
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
    std::unique_lock lock(mu);
    never.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
  }
}

}  // namespace

struct Agent::Parts {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<api::NodeAgent::Stub> stub;
  std::unique_ptr<Reporter> reporter;
  std::unique_ptr<ProcessRuntime> runtime;
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
  parts->channel = grpc::CreateChannel(joined->grpc_target, grpc::SslCredentials(ssl));
  parts->stub = api::NodeAgent::NewStub(parts->channel);

  // A saved node token rejoins; the join secret is sent only when there is
  // none (or the server no longer knows it).
  std::string token_path = options.node.data_dir + "/node.token";
  std::string saved = ReadFile(token_path).value_or("");
  api::RegisterResponse registered;
  grpc::Status s;
  for (bool with_secret : {saved.empty(), true}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    api::RegisterRequest request;
    *request.mutable_node() = *node;
    if (with_secret) {
      request.set_join_secret(joined->token.secret);
    } else {
      ctx.AddMetadata("authorization", "Bearer " + saved);
    }
    s = parts->stub->Register(&ctx, request, &registered);
    if (s.ok() || with_secret) break;
  }
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat("registering node ", name, " with ", options.server_url, ": ", s.error_message()));
  }
  if (auto w = WriteFileAtomic(token_path, registered.node_token(), 0600); !w.ok()) return w;
  const std::string token = registered.node_token();

  auto cgroups = DetectCgroupDriver("/sys/fs/cgroup", "gantry");
  if (!cgroups.ok()) return cgroups.status();
  spdlog::info("agent: node {} registered with {} (cgroup {}); pods run as host processes: images are recorded, "
               "not pulled",
               name, options.server_url, (*cgroups)->name());
  parts->reporter = std::make_unique<Reporter>(*parts->stub, name, token);
  parts->runtime = std::make_unique<ProcessRuntime>(
      ProcessRuntimeOptions{.data_dir = options.node.data_dir}, *std::move(cgroups), spawner, *parts->reporter);
  ProcessRuntime* runtime = parts->runtime.get();
  parts->logs = std::make_unique<LogServer>(
      *parts->stub, name, token, [runtime](const std::string& uid, const std::string& c) { return runtime->LogPath(uid, c); });
  parts->reporter->Start();
  parts->runtime->Start();
  parts->logs->Start();
  api::NodeAgent::Stub* stub = parts->stub.get();
  absl::Duration every = options.heartbeat;
  parts->heartbeats =
      std::jthread([=](std::stop_token stop) { Heartbeats(stop, *stub, name, token, every, *runtime); });
  parts->pods = std::jthread([=](std::stop_token stop) { FollowPods(stop, *stub, name, token, *runtime); });
  return std::unique_ptr<Agent>(new Agent(std::move(parts)));
}

int RunAgent(const AgentOptions& options) {
  auto spawner = ShimSpawner::Fork();
  if (!spawner.ok()) {
    spdlog::critical("agent: {}", spawner.status());
    return 1;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto agent = Agent::Start(options, **spawner);
  if (!agent.ok()) {
    spdlog::critical("agent: {}", agent.status());
    return agent.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("agent: received {}, stopping (containers keep running)", received == SIGTERM ? "SIGTERM" : "SIGINT");
  (*agent)->Stop();
  return 0;
}

}  // namespace gantry::agent
