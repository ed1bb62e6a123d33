#include "server/server.h"

#include <absl/strings/str_cat.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "api/kinds.h"
#include "api/object_meta.h"
#include <grpcpp/grpcpp.h>

#include "agent/agent.h"
#include "apiserver/agent_service.h"
#include "apiserver/api_server.h"
#include "apiserver/node_credentials.h"
#include "apiserver/admitting_store.h"
#include "controllers/daemon_set.h"
#include "controllers/deployment.h"
#include "controllers/garbage_collector.h"
#include "controllers/job.h"
#include "controllers/replica_set.h"
#include "controllers/event_expiry.h"
#include "controllers/namespace_lifecycle.h"
#include "controllers/node_lifecycle.h"
#include "controllers/pod_group_status.h"
#include "controllers/watch_feed.h"
#include "common/join_token.h"
#include "common/files.h"
#include "common/process_metrics.h"
#include "common/kubeconfig.h"
#include "common/log_format.h"
#include "common/open_file_limit.h"
#include "common/signals.h"
#include "common/time_format.h"
#include "common/tls.h"
#include "core.pb.h"
#include "scheduling.pb.h"
#include "server/certificate_expiry.h"
#include "server/store_restore.h"
#include "store/snapshot.h"
#include "store/sqlite_store.h"

namespace gantry::server {
namespace {

// 10,000 watches and 1,000 idle connections, with room for the store, logs
// and agents.
constexpr uint64_t kWantedOpenFiles = 16384;

absl::StatusOr<std::string> EnsureAdminToken(const std::string& path) {
  if (auto existing = ReadFile(path); existing.ok() && !existing->empty()) {
    std::string token = *existing;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return token;
  }
  auto token = tls::RandomToken();
  if (!token.ok()) return token.status();
  if (auto s = WriteFileAtomic(path, *token + "\n", 0600); !s.ok()) return s;
  return token;
}

absl::Status EnsureNamespaces(store::Store& store) {
  const api::KindInfo* kind = api::FindKindByResource("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    if (store.Get(*kind, "", name).ok()) continue;
    auto ns = std::make_unique<api::Namespace>();
    ns->mutable_metadata()->set_name(name);
    ns->mutable_metadata()->set_uid(absl::StrCat("ns-", name));
    ns->mutable_metadata()->set_creation_timestamp(NowRfc3339());
    ns->mutable_status()->set_phase("Active");
    auto created = store.Create(*kind, std::move(ns));
    if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists) return created.status();
  }
  return absl::OkStatus();
}

// Kubernetes' built-in PriorityClasses, which node daemons and cluster
// add-ons name in their manifests.
absl::Status EnsureSystemPriorityClasses(store::Store& store) {
  const api::KindInfo* kind = api::FindKindByResource("scheduling.k8s.io", "v1", "priorityclasses");
  struct Builtin {
    const char* name;
    int32_t value;
    const char* description;
  };
  for (const Builtin& b : {Builtin{"system-cluster-critical", 2000000000,
                                   "Used for system critical pods that must run in the cluster, but can be moved "
                                   "to another node if necessary."},
                           Builtin{"system-node-critical", 2000001000,
                                   "Used for system critical pods that must not be moved from their current node."}}) {
    if (store.Get(*kind, "", b.name).ok()) continue;
    auto pc = std::make_unique<api::PriorityClass>();
    pc->mutable_metadata()->set_name(b.name);
    pc->mutable_metadata()->set_uid(absl::StrCat("priorityclass-", b.name));
    pc->mutable_metadata()->set_creation_timestamp(NowRfc3339());
    pc->set_value(b.value);
    pc->set_description(b.description);
    pc->set_preemption_policy("PreemptLowerPriority");
    auto created = store.Create(*kind, std::move(pc));
    if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists) return created.status();
  }
  return absl::OkStatus();
}

// <data-dir>/token holds the join token. Its secret is made once; the CA
// hash is refreshed should the CA ever be replaced.
absl::StatusOr<std::string> EnsureJoinSecret(const std::string& path, const std::string& ca_pem) {
  std::string secret;
  if (auto existing = ReadFile(path); existing.ok()) {
    auto parsed = ParseJoinToken(*existing);
    if (!parsed.ok()) return absl::DataLossError(absl::StrCat(path, ": ", parsed.status().message()));
    secret = parsed->secret;
  } else {
    auto fresh = tls::RandomToken();
    if (!fresh.ok()) return fresh.status();
    secret = *fresh;
  }
  std::string token = FormatJoinToken(ca_pem, secret) + "\n";
  if (auto current = ReadFile(path); !current.ok() || *current != token) {
    if (auto s = WriteFileAtomic(path, token, 0600); !s.ok()) return s;
  }
  return secret;
}

std::string ClientHost(const std::string& bind_address) {
  if (bind_address == "0.0.0.0" || bind_address.empty()) return "127.0.0.1";
  if (bind_address == "::") return "[::1]";
  if (bind_address.find(':') != std::string::npos) return absl::StrCat("[", bind_address, "]");
  return bind_address;
}

}  // namespace

int RunServer(const ServerOptions& options) {
  // The embedded agent's shim zygote must be forked while this process is
  // still single-threaded.
  std::unique_ptr<agent::ShimSpawner> spawner;
  if (!options.disable_agent) {
    auto forked = agent::ShimSpawner::Fork();
    if (!forked.ok()) {
      spdlog::critical("{}", forked.status());
      return 1;
    }
    spawner = *std::move(forked);
  }
  // Every thread started below inherits the blocked mask.
  sigset_t signals = BlockTerminationSignals();

  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    spdlog::critical("cannot create --data-dir {}: {}", options.data_dir, ec.message());
    return 1;
  }
  // The store, the CA key and the tokens live here: owner-only.
  std::filesystem::permissions(options.data_dir, std::filesystem::perms::owner_all, ec);
  if (ec) spdlog::warn("cannot make --data-dir {} owner-only: {}", options.data_dir, ec.message());
  RaiseOpenFileLimit(kWantedOpenFiles);
  std::vector<std::string> hosts = tls::LocalHostNames();
  if (options.bind_address != "0.0.0.0" && options.bind_address != "::") hosts.push_back(options.bind_address);
  auto certs = tls::EnsureServerTls(options.data_dir + "/tls", hosts);
  if (!certs.ok()) {
    spdlog::critical("TLS setup failed: {}", certs.status());
    return 1;
  }
  auto token = EnsureAdminToken(options.data_dir + "/tls/admin.token");
  if (!token.ok()) {
    spdlog::critical("admin token: {}", token.status());
    return 1;
  }
  if (!options.restore_path.empty()) {
    if (auto s = RestoreOnce(options.restore_path, options.data_dir); !s.ok()) {
      spdlog::critical("--restore: {}", s);
      return 1;
    }
  }
  auto store = store::SqliteStore::Open({.path = options.data_dir + "/state.db"});
  if (!store.ok()) {
    spdlog::critical("store: {}", store.status());
    return 1;
  }
  std::unique_ptr<SnapshotScheduler> snapshots;
  if (!options.snapshots.disabled) {
    SnapshotOptions snapshot_options = options.snapshots;
    if (snapshot_options.dir.empty()) snapshot_options.dir = store::DefaultSnapshotDir(options.data_dir);
    auto started = SnapshotScheduler::Start(options.data_dir + "/state.db", snapshot_options);
    if (!started.ok()) {
      spdlog::critical("--snapshot-schedule: {}", started.status());
      return 2;
    }
    snapshots = *std::move(started);
  }
  if (auto s = EnsureNamespaces(**store); !s.ok()) {
    spdlog::critical("creating default namespaces: {}", s);
    return 1;
  }
  if (auto s = EnsureSystemPriorityClasses(**store); !s.ok()) {
    spdlog::critical("creating the system priority classes: {}", s);
    return 1;
  }

  auto join_secret = EnsureJoinSecret(options.data_dir + "/token", certs->ca_pem);
  if (!join_secret.ok()) {
    spdlog::critical("join token: {}", join_secret.status());
    return 1;
  }
  auto credentials = apiserver::NodeCredentials::Open(options.data_dir + "/tls/node-tokens");
  if (!credentials.ok()) {
    spdlog::critical("node credentials: {}", credentials.status());
    return 1;
  }
  metrics::RegisterProcessMetrics(metrics::DefaultRegistry(), GANTRY_VERSION);
  store::EventRecorder events(**store);
  events.Start();
  CertificateExpiry certificate_expiry(options.data_dir + "/tls", **store, events);
  certificate_expiry.Start();
  apiserver::AgentService agents(**store, events, **credentials, *join_secret, absl::Seconds(10));
  auto cert_pem = ReadFile(certs->cert_path);
  auto key_pem = ReadFile(certs->key_path);
  if (!cert_pem.ok() || !key_pem.ok()) {
    spdlog::critical("reading the server certificate for the agent endpoint failed");
    return 1;
  }
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key_pem, *cert_pem});
  int agent_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(options.bind_address == "::" ? "[::]" : options.bind_address, ":",
                                        options.agent_port),
                           grpc::SslServerCredentials(ssl), &agent_port);
  // gRPC sets SO_REUSEPORT by default: a second server would then share the
  // port and agents would land on either at random.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(&agents);
  // A simulated fleet registers all its nodes in one message.
  builder.SetMaxReceiveMessageSize(256 << 20);
  std::unique_ptr<grpc::Server> agent_server = builder.BuildAndStart();
  if (agent_server == nullptr || agent_port == 0) {
    spdlog::critical("cannot listen for agents on {}:{} (--agent-port): is another server using it?",
                     options.bind_address, options.agent_port);
    return 1;
  }
  controllers::NodeLifecycleController lifecycle(
      **store, [&agents](const std::string& node) { return agents.LastHeard(node); }, {});
  lifecycle.Start();
  controllers::NamespaceLifecycleController namespaces(**store);
  if (auto s = namespaces.Start(); !s.ok()) {
    spdlog::critical("namespace lifecycle controller: {}", s);
    return 1;
  }
  controllers::EventExpiryController event_expiry(**store, absl::Seconds(options.event_ttl_seconds));
  event_expiry.Start();
  controllers::PodGroupStatusController pod_groups(**store);
  if (auto s = pod_groups.Start(); !s.ok()) {
    spdlog::critical("pod group status controller: {}", s);
    return 1;
  }
  // The workload controllers write through the API's write path, as
  // Kubernetes' controllers write through kube-apiserver.
  apiserver::AdmittingStore admitting_store(**store);
  controllers::ReplicaSetController replica_sets(admitting_store, &events);
  controllers::DeploymentController deployments(admitting_store, &events);
  controllers::DaemonSetController daemon_sets(admitting_store, &events);
  controllers::JobController jobs(admitting_store, &events);
  controllers::GarbageCollector garbage_collector(admitting_store);
  // Declared after the controllers, so it stops before they are destroyed.
  controllers::WatchFeed workload_watches(**store, "workload controllers");
  for (controllers::ReconcilingController* c :
       std::initializer_list<controllers::ReconcilingController*>{&replica_sets, &deployments, &daemon_sets, &jobs, &garbage_collector}) {
    if (auto s = c->Start(workload_watches); !s.ok()) {
      spdlog::critical("workload controllers: {}", s);
      return 1;
    }
  }
  if (auto s = workload_watches.Start(); !s.ok()) {
    spdlog::critical("workload controllers: {}", s);
    return 1;
  }

  auto scheduling = SchedulingPipeline::Create(options.scheduling, **store, events);
  if (!scheduling.ok()) {
    spdlog::critical("scheduler: {}", scheduling.status());
    return 1;
  }
  if (auto s = (*scheduling)->Start(); !s.ok()) {
    spdlog::critical("scheduler: {}", s);
    return 1;
  }

  apiserver::http::HttpServer::Options http;
  http.bind_address = options.bind_address;
  http.port = options.port;
  http.cert_path = certs->cert_path;
  http.key_path = certs->key_path;
  http.handler_threads = options.http_threads;
  apiserver::ApiServer api({.http = http,
                            .tokens = {*token},
                            .ca_pem = certs->ca_pem,
                            .agent_port = agent_port,
                            .logs = &agents.logs(),
                            .agents = &agents,
                            .events = &events},
                           **store);
  auto port = api.Start();
  if (!port.ok()) {
    spdlog::critical("{} (--port)", port.status().message());
    return 1;
  }
  std::string url = absl::StrCat("https://", ClientHost(options.bind_address), ":", *port);
  std::string kubeconfig = options.data_dir + "/kubeconfig.yaml";
  Kubeconfig admin;
  admin.server = url;
  admin.ca_pem = certs->ca_pem;
  admin.token = *token;
  if (auto s = WriteKubeconfig(kubeconfig, admin); !s.ok()) {
    spdlog::critical("writing {}: {}", kubeconfig, s);
    return 1;
  }
  spdlog::info("gantry server listening on {} (revision {}); kubeconfig: {}; agents join on port {} with the "
               "token in {}/token",
               url, (*store)->CurrentRevision(), kubeconfig, agent_port, options.data_dir);

  // The embedded agent joins like any other, through the same endpoint.
  std::unique_ptr<agent::Agent> local_agent;
  if (!options.disable_agent) {
    agent::AgentOptions local;
    local.server_url = url;
    local.token = FormatJoinToken(certs->ca_pem, *join_secret);
    local.node.name = options.node_name;
    local.node.data_dir = options.data_dir + "/agent";
    local.qos = options.qos;
    auto started = agent::Agent::Start(local, *spawner);
    if (started.ok()) {
      local_agent = *std::move(started);
    } else {
      spdlog::error("the embedded agent did not start, so this machine runs no pods: {} "
                    "(--disable-agent runs the server without it)",
                    started.status());
    }
  }

  spdlog::info("received {}, shutting down", ServeUntilTerminated(signals));
  if (local_agent) local_agent->Stop();
  api.Stop();
  agents.Shutdown();
  agent_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  workload_watches.Stop();
  garbage_collector.Stop();
  jobs.Stop();
  daemon_sets.Stop();
  deployments.Stop();
  replica_sets.Stop();
  pod_groups.Stop();
  namespaces.Stop();
  event_expiry.Stop();
  lifecycle.Stop();
  if (snapshots) snapshots->Stop();
  certificate_expiry.Stop();
  (*scheduling)->Stop();
  events.Stop();
  (*store)->Shutdown();
  spdlog::info("stopped cleanly at revision {}", (*store)->CurrentRevision());
  return 0;
}

}  // namespace gantry::server
