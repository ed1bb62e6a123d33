#include "apiserver/agent_service.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "apiserver/node_lease.h"
#include "api/container_events.h"
#include "api/events.h"
#include "api/qos.h"
#include "api/field_selector.h"
#include "api/kinds.h"
#include "api/node_conditions.h"
#include "api/pod_conditions.h"
#include "api/pod_config_refs.h"
#include "common/join_token.h"
#include "common/log_format.h"
#include "common/time_format.h"
#include "common/tls.h"

namespace gantry::apiserver {
namespace {

const api::KindInfo& NodesKind() { return *api::FindKindByResource("", "v1", "nodes"); }
const api::KindInfo& PodsKind() { return *api::FindKindByResource("", "v1", "pods"); }

// A node's verdict on a pod (evicted, refused) is a Failed phase with a
// pod-level reason, as the kubelet reports it; each is recorded as a Warning
// Event the first time the pod reports it.
bool IsNodeVerdict(const api::PodStatus& status) { return status.phase() == "Failed" && !status.reason().empty(); }

// The node's reclaimed figure as capacity and allocatable, and its terms as
// an annotation for `ctl describe node`.
void PublishReclaimed(api::Node& node, const api::ReclaimedResources& r) {
  for (auto* list : {node.mutable_status()->mutable_capacity(), node.mutable_status()->mutable_allocatable()}) {
    (*list)[std::string(api::kReclaimedMilliCpu)] = std::to_string(r.millicpu());
    (*list)[std::string(api::kReclaimedMemory)] = std::to_string(r.memory_bytes());
  }
  std::string breakdown;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(r, &breakdown, options);
  (*node.mutable_metadata()->mutable_annotations())[std::string(api::kReclaimedBreakdownAnnotation)] = breakdown;
}

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

std::string BearerToken(const grpc::ServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  return absl::StartsWith(value, kBearer) ? std::string(value.substr(kBearer.size())) : "";
}

constexpr absl::Duration kProgressInterval = absl::Seconds(5);

bool IsConflict(const absl::Status& s) { return api::DetailsOf(s).reason == "Conflict"; }

// The agent's own report: Ready with a fresh heartbeat time.
void MarkReady(api::Node& node) {
  api::SetNodeCondition(node, "Ready", "True", "KubeletReady", "gantry agent is posting ready status")
      .set_last_heartbeat_time(NowRfc3339());
}

bool IsReady(const api::Node& node) {
  const api::NodeCondition* ready = api::FindNodeCondition(node, "Ready");
  return ready != nullptr && ready->status() == "True";
}

// Reads, changes and writes an object until the compare-and-swap holds.
template <typename T, typename Change>
absl::Status UpdateWithRetry(store::Store& store, const api::KindInfo& kind, const std::string& ns,
                             const std::string& name, Change change) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    auto current = store.Get(kind, ns, name);
    if (!current.ok()) return current.status();
    auto next = std::make_unique<T>(static_cast<const T&>(**current));
    if (auto s = change(*next); !s.ok()) return s;
    auto updated = store.Update(kind, std::move(next));
    if (updated.ok() || !IsConflict(updated.status())) return updated.status();
  }
  return absl::AbortedError(absl::StrCat(name, ": too many concurrent changes"));
}


// The node as the agent proposes it, merged into what the cluster has:
// the agent owns the labels it reports and the machine's status; the spec
// (cordon, taints an admin changed) stays as the cluster has it.
std::unique_ptr<api::Node> MergedNode(const api::Node& proposed, const api::Node* existing) {
  std::unique_ptr<api::Node> node;
  if (existing != nullptr) {
    node = std::make_unique<api::Node>(*existing);
    for (const auto& [k, v] : proposed.metadata().labels()) (*node->mutable_metadata()->mutable_labels())[k] = v;
    auto conditions = node->status().conditions();
    *node->mutable_status() = proposed.status();
    *node->mutable_status()->mutable_conditions() = conditions;
  } else {
    node = std::make_unique<api::Node>(proposed);
    node->mutable_metadata()->set_uid(tls::RandomToken().value_or("").substr(0, 32));
    node->mutable_metadata()->set_creation_timestamp(NowRfc3339());
  }
  (*node->mutable_metadata()->mutable_annotations())[api::kAgentAnnotation] = "true";
  MarkReady(*node);
  return node;
}

}  // namespace

absl::Status AgentService::UpsertNodes(const std::vector<const api::Node*>& nodes) {
  constexpr size_t kBatch = 1000;
  std::vector<const api::Node*> pending = nodes;
  for (int attempt = 0; attempt < 8 && !pending.empty(); ++attempt) {
    std::vector<const api::Node*> retry;
    for (size_t start = 0; start < pending.size(); start += kBatch) {
      std::vector<store::WriteOp> ops;
      std::vector<const api::Node*> batch;
      for (size_t i = start; i < std::min(pending.size(), start + kBatch); ++i) {
        const std::string& name = pending[i]->metadata().name();
        auto existing = store_.Get(NodesKind(), "", name);
        if (!existing.ok() && existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
        const api::Node* current = existing.ok() ? &static_cast<const api::Node&>(**existing) : nullptr;
        ops.push_back({current != nullptr ? store::WriteOp::Type::kUpdate : store::WriteOp::Type::kCreate,
                       &NodesKind(), "", name, MergedNode(*pending[i], current), {}});
        batch.push_back(pending[i]);
      }
      auto results = store_.Commit(std::move(ops));
      for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].ok()) continue;
        if (!IsConflict(results[i].status()) && results[i].status().code() != absl::StatusCode::kAlreadyExists) {
          return results[i].status();
        }
        retry.push_back(batch[i]);  // changed meanwhile: merge again
      }
    }
    pending = std::move(retry);
  }
  if (!pending.empty()) return absl::AbortedError("nodes kept changing during registration");
  return absl::OkStatus();
}

AgentService::AgentService(store::Store& store, store::EventRecorder& events, NodeCredentials& credentials,
                           std::string join_secret, absl::Duration heartbeat_interval)
    : store_(store),
      events_(events),
      credentials_(credentials),
      join_secret_(std::move(join_secret)),
      heartbeat_interval_(heartbeat_interval) {}

grpc::Status AgentService::Authorize(grpc::ServerContext* context, const std::string& node) const {
  if (node.empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "node name is required");
  if (!credentials_.Verify(node, BearerToken(context))) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat("no valid credential for node \"", node, "\""));
  }
  return grpc::Status::OK;
}

void AgentService::Heard(const std::string& node, const api::HeartbeatRequest* usage) {
  absl::MutexLock lock(&mu_);
  last_heard_[node] = absl::Now();
  if (usage != nullptr) usage_[node] = *usage;
}

std::optional<absl::Time> AgentService::LastHeard(const std::string& node) const {
  absl::MutexLock lock(&mu_);
  auto it = last_heard_.find(node);
  if (it == last_heard_.end()) return std::nullopt;
  return it->second;
}

absl::flat_hash_map<std::string, api::HeartbeatRequest> AgentService::Usage() const {
  absl::MutexLock lock(&mu_);
  return usage_;
}

absl::StatusOr<std::string> AgentService::AssignPodCidr(const std::string& node) {
  // One allocation at a time, so two joining nodes never take the same range.
  absl::MutexLock lock(&cidr_mu_);
  auto current = store_.Get(NodesKind(), "", node);
  if (!current.ok()) return current.status();
  const auto& existing = static_cast<const api::Node&>(**current);
  if (!existing.spec().pod_cidr().empty()) return existing.spec().pod_cidr();
  auto nodes = store_.List(NodesKind(), {});
  if (!nodes.ok()) return nodes.status();
  absl::flat_hash_set<std::string> taken;
  for (const auto& object : nodes->items) taken.insert(static_cast<const api::Node&>(*object).spec().pod_cidr());
  std::string cidr;
  for (int i = 0; i < kPodCidrCount && cidr.empty(); ++i) {
    std::string candidate = absl::StrCat("10.42.", i, ".0/24");
    if (!taken.contains(candidate)) cidr = candidate;
  }
  if (cidr.empty()) return absl::ResourceExhaustedError("the cluster's pod range 10.42.0.0/16 has no /24 left for another node");
  absl::Status updated = UpdateWithRetry<api::Node>(store_, NodesKind(), "", node, [&](api::Node& n) {
    n.mutable_spec()->set_pod_cidr(cidr);
    n.mutable_spec()->clear_pod_cidrs();
    n.mutable_spec()->add_pod_cidrs(cidr);
    return absl::OkStatus();
  });
  if (!updated.ok()) return updated;
  spdlog::info("agent service: node {} gets pod range {}", node, cidr);
  return cidr;
}

grpc::Status AgentService::Register(grpc::ServerContext* context, const api::RegisterRequest* request,
                                    api::RegisterResponse* response) {
  const api::Node& proposed = request->node();
  const std::string& name = proposed.metadata().name();
  if (name.empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "node.metadata.name is required");
  bool joining = !request->join_secret().empty();
  if (joining) {
    if (!SecretsEqual(request->join_secret(), join_secret_)) {
      spdlog::warn("agent service: refused join of node {}: wrong secret", name);
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "join refused: the token's secret is wrong");
    }
  } else if (auto s = Authorize(context, name); !s.ok()) {
    return s;
  }

  absl::Status written = UpsertNodes({&proposed});
  if (!written.ok()) return ToGrpc(written);
  auto cidr = AssignPodCidr(name);
  if (!cidr.ok()) return ToGrpc(cidr.status());
  response->set_pod_cidr(*cidr);

  if (joining) {
    auto token = credentials_.Issue(name);
    if (!token.ok()) return ToGrpc(token.status());
    response->set_node_token(*token);
    spdlog::info("agent service: node {} joined", name);
  } else {
    response->set_node_token(BearerToken(context));
    spdlog::info("agent service: node {} registered again", name);
  }
  response->set_heartbeat_seconds(absl::ToInt64Seconds(heartbeat_interval_));
  Heard(name, nullptr);
  return grpc::Status::OK;
}

grpc::Status AgentService::Heartbeat(grpc::ServerContext* context, const api::HeartbeatRequest* request,
                                     api::HeartbeatResponse*) {
  if (auto s = Authorize(context, request->node_name()); !s.ok()) return s;
  Heard(request->node_name(), request);
  // Write only when the node was not Ready (it came back) or its visible
  // heartbeat time is stale: liveness itself is tracked in memory.
  auto current = store_.Get(NodesKind(), "", request->node_name());
  if (!current.ok()) return ToGrpc(current.status());
  const auto& node = static_cast<const api::Node&>(**current);
  if (auto s = RenewNodeLease(store_, node, absl::Now()); !s.ok()) {
    spdlog::warn("agent service: renewing the lease of node {}: {}", request->node_name(), s);
  }
  if (request->has_reclaimed()) {
    return ToGrpc(UpdateWithRetry<api::Node>(store_, NodesKind(), "", request->node_name(), [&](api::Node& n) {
      MarkReady(n);
      PublishReclaimed(n, request->reclaimed());
      return absl::OkStatus();
    }));
  }
  if (IsReady(node)) {
    auto at = ParseRfc3339(api::FindNodeCondition(node, "Ready")->last_heartbeat_time());
    if (at && absl::Now() - *at < absl::Minutes(1)) return grpc::Status::OK;
  }
  return ToGrpc(UpdateWithRetry<api::Node>(store_, NodesKind(), "", request->node_name(), [](api::Node& n) {
    MarkReady(n);
    return absl::OkStatus();
  }));
}

template <typename Member>
grpc::Status AgentService::StreamPods(grpc::ServerContext* context, int64_t from, const store::ListOptions& options,
                                      Member member, grpc::ServerWriter<api::PodEvent>* writer) {
  auto mine = [&](const google::protobuf::Message& object) {
    return member(static_cast<const api::Pod&>(object).spec().node_name());
  };
  if (from == 0) {
    // The current pods, then SYNCED, then changes: the agent can tell which
    // of the pods it runs no longer exist.
    auto list = store_.List(PodsKind(), options);
    if (!list.ok()) return ToGrpc(list.status());
    api::PodEvent out;
    for (const auto& item : list->items) {
      if (!mine(*item)) continue;
      out.set_type(api::PodEvent::ADDED);
      *out.mutable_pod() = static_cast<const api::Pod&>(*item);
      out.set_resource_version(list->revision);
      if (!writer->Write(out)) return grpc::Status::OK;
    }
    out.Clear();
    out.set_type(api::PodEvent::SYNCED);
    out.set_resource_version(list->revision);
    if (!writer->Write(out)) return grpc::Status::OK;
    from = list->revision;
  }
  auto stream = store_.Watch(PodsKind(), options, from);
  if (!stream.ok()) {
    // Too old: the agent starts over from the current state.
    if (api::DetailsOf(stream.status()).code == 410) {
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, std::string(stream.status().message()));
    }
    return ToGrpc(stream.status());
  }
  store::WatchEvent event;
  absl::Time next_progress = absl::Now() + kProgressInterval;
  while (!context->IsCancelled()) {
    // PROGRESS tells the agent how far it is up to date. Its revision is
    // read before the queue is found empty, so every event at or below it
    // has been delivered; at shutdown the queue is drained first.
    bool stopping = stopping_;
    bool progress_due = stopping || absl::Now() >= next_progress;
    int64_t revision = progress_due ? store_.CurrentRevision() : 0;
    auto got = (*stream)->Next(&event, stopping ? absl::ZeroDuration() : absl::Milliseconds(500));
    if (!got.ok()) {
      if (api::DetailsOf(got.status()).code == 410) {
        return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, std::string(got.status().message()));
      }
      return ToGrpc(got.status());
    }
    if (!*got && progress_due) {
      next_progress = absl::Now() + kProgressInterval;
      api::PodEvent out;
      out.set_type(api::PodEvent::PROGRESS);
      out.set_resource_version(revision);
      if (!writer->Write(out) || stopping) break;
    }
    if (!*got || !mine(*event.object)) continue;
    api::PodEvent out;
    out.set_type(event.type == store::WatchEvent::Type::kAdded      ? api::PodEvent::ADDED
                 : event.type == store::WatchEvent::Type::kModified ? api::PodEvent::MODIFIED
                                                                     : api::PodEvent::DELETED);
    *out.mutable_pod() = static_cast<const api::Pod&>(*event.object);
    out.set_resource_version(event.revision);
    if (!writer->Write(out)) break;
  }
  (*stream)->Cancel();
  return grpc::Status::OK;
}

grpc::Status AgentService::WatchPods(grpc::ServerContext* context, const api::WatchPodsRequest* request,
                                     grpc::ServerWriter<api::PodEvent>* writer) {
  if (auto s = Authorize(context, request->node_name()); !s.ok()) return s;
  const std::string& node = request->node_name();
  // The store filters a single node's pods before queueing them.
  store::ListOptions options;
  auto fields = api::FieldSelector::Parse(absl::StrCat("spec.nodeName=", node));
  if (!fields.ok()) return ToGrpc(fields.status());
  options.fields = *std::move(fields);
  return StreamPods(context, request->resource_version(), options, [&](const std::string& n) { return n == node; },
                    writer);
}

grpc::Status AgentService::AuthorizeFleet(grpc::ServerContext* context, const std::string& fleet) const {
  if (fleet.empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "fleet name is required");
  if (!credentials_.VerifyFleet(fleet, BearerToken(context))) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, absl::StrCat("no valid credential for fleet \"", fleet, "\""));
  }
  return grpc::Status::OK;
}

grpc::Status AgentService::RegisterFleet(grpc::ServerContext* context, const api::RegisterFleetRequest* request,
                                         api::RegisterResponse* response) {
  if (request->fleet().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "fleet name is required");
  bool joining = !request->join_secret().empty();
  if (joining && !SecretsEqual(request->join_secret(), join_secret_)) {
    spdlog::warn("agent service: refused join of fleet {}: wrong secret", request->fleet());
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "join refused: the token's secret is wrong");
  }
  if (!joining) {
    if (auto s = AuthorizeFleet(context, request->fleet()); !s.ok()) return s;
  }
  // Without the join secret a fleet's credential reaches exactly the nodes
  // it was issued for: it may not create nodes or rewrite anyone else's.
  absl::flat_hash_set<std::string> members;
  if (!joining) {
    std::vector<std::string> own = credentials_.FleetNodes(request->fleet());
    members.insert(own.begin(), own.end());
  }
  std::vector<const api::Node*> nodes;
  std::vector<std::string> names;
  for (const auto& node : request->nodes()) {
    if (node.metadata().name().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "every node needs metadata.name");
    }
    if (!joining && !members.contains(node.metadata().name())) {
      spdlog::warn("agent service: fleet {} tried to register node {}, which is not its own", request->fleet(),
                   node.metadata().name());
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          absl::StrCat("node \"", node.metadata().name(), "\" does not belong to fleet \"",
                                       request->fleet(), "\"; registering new nodes needs the join token"));
    }
    nodes.push_back(&node);
    names.push_back(node.metadata().name());
  }
  if (auto s = UpsertNodes(nodes); !s.ok()) return ToGrpc(s);
  if (joining) {
    auto token = credentials_.IssueFleet(request->fleet(), names);
    if (!token.ok()) return ToGrpc(token.status());
    response->set_node_token(*token);
  } else {
    response->set_node_token(BearerToken(context));
  }
  response->set_heartbeat_seconds(absl::ToInt64Seconds(heartbeat_interval_));
  absl::MutexLock lock(&mu_);
  absl::Time now = absl::Now();
  for (const auto& name : names) last_heard_[name] = now;
  spdlog::info("agent service: fleet {} registered {} simulated nodes", request->fleet(), names.size());
  return grpc::Status::OK;
}

grpc::Status AgentService::FleetHeartbeat(grpc::ServerContext* context, const api::FleetHeartbeatRequest* request,
                                          api::HeartbeatResponse*) {
  if (auto s = AuthorizeFleet(context, request->fleet()); !s.ok()) return s;
  std::vector<std::string> names = credentials_.FleetNodes(request->fleet());
  {
    absl::MutexLock lock(&mu_);
    absl::Time now = absl::Now();
    for (const auto& name : names) last_heard_[name] = now;
  }
  // Nodes that were marked NotReady come back in one batch.
  std::vector<store::WriteOp> ops;
  for (const auto& name : names) {
    auto current = store_.Get(NodesKind(), "", name);
    if (!current.ok()) continue;
    const auto& node = static_cast<const api::Node&>(**current);
    if (IsReady(node)) continue;
    auto updated = std::make_unique<api::Node>(node);
    MarkReady(*updated);
    ops.push_back({store::WriteOp::Type::kUpdate, &NodesKind(), "", name, std::move(updated), {}});
  }
  if (!ops.empty()) (void)store_.Commit(std::move(ops));
  return grpc::Status::OK;
}

grpc::Status AgentService::WatchFleetPods(grpc::ServerContext* context, const api::WatchFleetPodsRequest* request,
                                          grpc::ServerWriter<api::PodEvent>* writer) {
  if (auto s = AuthorizeFleet(context, request->fleet()); !s.ok()) return s;
  std::vector<std::string> names = credentials_.FleetNodes(request->fleet());
  absl::flat_hash_set<std::string> members(names.begin(), names.end());
  return StreamPods(context, request->resource_version(), {},
                    [&](const std::string& n) { return members.contains(n); }, writer);
}

grpc::Status AgentService::UpdatePodStatus(grpc::ServerContext* context, const api::PodStatusUpdate* request,
                                           api::Ack*) {
  const api::PodRef& ref = request->pod();
  if (auto s = Authorize(context, ref.node_name()); !s.ok()) return s;
  bool verdict = false;
  api::Pod about;
  std::vector<api::EventSpec> events;
  const std::string component = absl::StrCat("gantry-agent/", ref.node_name());
  absl::Status updated = UpdateWithRetry<api::Pod>(store_, PodsKind(), ref.namespace_(), ref.name(), [&](api::Pod& pod) {
    if (pod.spec().node_name() != ref.node_name()) {
      return absl::PermissionDeniedError(absl::StrCat("pod ", ref.name(), " is not bound to ", ref.node_name()));
    }
    if (!ref.uid().empty() && pod.metadata().uid() != ref.uid()) return api::NotFoundError("pods", ref.name());
    const api::PodCondition* scheduled = api::FindPodCondition(pod, "PodScheduled");
    api::PodCondition keep;
    if (scheduled != nullptr) keep = *scheduled;
    verdict = IsNodeVerdict(request->status()) && pod.status().reason() != request->status().reason();
    events = api::ContainerEvents(pod.status(), request->status(), component);
    *pod.mutable_status() = request->status();
    if (scheduled != nullptr) api::SetPodCondition(pod, "PodScheduled", keep.status(), keep.reason(), keep.message());
    about = pod;
    return absl::OkStatus();
  });
  if (!updated.ok()) return ToGrpc(updated);
  if (verdict) {
    events.push_back({.type = "Warning", .reason = request->status().reason(), .message = request->status().message(),
                      .component = component});
  }
  for (const api::EventSpec& e : events) events_.Record(PodsKind(), about, e);
  return grpc::Status::OK;
}

absl::StatusOr<store::ObjectPtr> AgentService::BoundPod(grpc::ServerContext* context,
                                                         const api::PodRef& ref) const {
  if (auto s = Authorize(context, ref.node_name()); !s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  }
  auto current = store_.Get(PodsKind(), ref.namespace_(), ref.name());
  if (!current.ok()) return current.status();
  const auto& pod = static_cast<const api::Pod&>(**current);
  if (pod.spec().node_name() != ref.node_name() || (!ref.uid().empty() && pod.metadata().uid() != ref.uid())) {
    return absl::PermissionDeniedError("the pod is not this node's");
  }
  return current;
}

grpc::Status AgentService::GetPodConfig(grpc::ServerContext* context, const api::PodRef* request,
                                        api::PodConfig* response) {
  auto bound = BoundPod(context, *request);
  if (!bound.ok()) return ToGrpc(bound.status());
  const auto& pod = static_cast<const api::Pod&>(**bound);
  api::PodConfigRefs refs = api::ConfigRefsOf(pod.spec());
  static const api::KindInfo& kConfigMaps = *api::FindKindByResource("", "v1", "configmaps");
  static const api::KindInfo& kSecrets = *api::FindKindByResource("", "v1", "secrets");
  for (const std::string& name : refs.config_maps) {
    auto object = store_.Get(kConfigMaps, request->namespace_(), name);
    if (object.ok()) *response->add_config_maps() = static_cast<const api::ConfigMap&>(**object);
  }
  for (const std::string& name : refs.secrets) {
    auto object = store_.Get(kSecrets, request->namespace_(), name);
    if (object.ok()) *response->add_secrets() = static_cast<const api::Secret&>(**object);
  }
  return grpc::Status::OK;
}

grpc::Status AgentService::ReportPodEvent(grpc::ServerContext* context, const api::PodEventReport* request, api::Ack*) {
  auto bound = BoundPod(context, request->pod());
  if (!bound.ok()) return ToGrpc(bound.status());
  if (request->type() != "Normal" && request->type() != "Warning") {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "an Event's type is Normal or Warning");
  }
  events_.Record(PodsKind(), **bound,
                 {.type = request->type(), .reason = request->reason(), .message = request->message(),
                  .component = absl::StrCat("gantry-agent/", request->pod().node_name())});
  return grpc::Status::OK;
}

grpc::Status AgentService::ConfirmPodDeletion(grpc::ServerContext* context, const api::PodRef* request,
                                              api::Ack*) {
  auto bound = BoundPod(context, *request);
  if (!bound.ok()) {
    return bound.status().code() == absl::StatusCode::kNotFound ? grpc::Status::OK : ToGrpc(bound.status());
  }
  const auto& pod = static_cast<const api::Pod&>(**bound);
  if (pod.metadata().deletion_timestamp().empty()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "the pod is not being deleted");
  }
  auto deleted = store_.Delete(PodsKind(), request->namespace_(), request->name(), {pod.metadata().uid(), ""});
  if (!deleted.ok() && deleted.status().code() != absl::StatusCode::kNotFound) return ToGrpc(deleted.status());
  return grpc::Status::OK;
}

grpc::Status AgentService::Logs(grpc::ServerContext* context,
                                grpc::ServerReaderWriter<api::LogRequest, api::LogChunk>* stream) {
  api::LogChunk hello;
  if (!stream->Read(&hello)) return grpc::Status::OK;
  if (auto s = Authorize(context, hello.node_name()); !s.ok()) return s;
  logs_.Serve(hello.node_name(), stream);
  return grpc::Status::OK;
}

}  // namespace gantry::apiserver
