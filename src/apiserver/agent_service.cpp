#include "apiserver/agent_service.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/field_selector.h"
#include "api/kinds.h"
#include "api/pod_conditions.h"
#include "common/join_token.h"
#include "common/log_format.h"
#include "common/time_format.h"
#include "common/tls.h"

namespace gantry::apiserver {
namespace {

const api::KindInfo& NodesKind() { return *api::FindKindByResource("", "v1", "nodes"); }
const api::KindInfo& PodsKind() { return *api::FindKindByResource("", "v1", "pods"); }

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

bool IsConflict(const absl::Status& s) { return api::DetailsOf(s).reason == "Conflict"; }

void SetReady(api::Node& node, bool ready, const std::string& reason, const std::string& message) {
  std::string now = NowRfc3339();
  api::NodeCondition* cond = nullptr;
  for (auto& c : *node.mutable_status()->mutable_conditions()) {
    if (c.type() == "Ready") cond = &c;
  }
  if (cond == nullptr) {
    cond = node.mutable_status()->add_conditions();
    cond->set_type("Ready");
  }
  std::string status = ready ? "True" : "Unknown";
  if (cond->status() != status) cond->set_last_transition_time(now);
  cond->set_status(status);
  cond->set_reason(reason);
  cond->set_message(message);
  cond->set_last_heartbeat_time(now);
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

}  // namespace

AgentService::AgentService(store::Store& store, NodeCredentials& credentials, std::string join_secret,
                           absl::Duration heartbeat_interval)
    : store_(store),
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

  auto existing = store_.Get(NodesKind(), "", name);
  absl::Status written;
  if (existing.ok()) {
    written = UpdateWithRetry<api::Node>(store_, NodesKind(), "", name, [&](api::Node& node) {
      // The agent owns labels it reports and the machine's status; the
      // spec (cordon, taints an admin changed) stays as the cluster has it.
      for (const auto& [k, v] : proposed.metadata().labels()) (*node.mutable_metadata()->mutable_labels())[k] = v;
      (*node.mutable_metadata()->mutable_annotations())[kAgentAnnotation] = "true";
      auto conditions = node.status().conditions();
      *node.mutable_status() = proposed.status();
      *node.mutable_status()->mutable_conditions() = conditions;
      SetReady(node, true, "KubeletReady", "gantry agent is posting ready status");
      return absl::OkStatus();
    });
  } else if (existing.status().code() == absl::StatusCode::kNotFound) {
    auto node = std::make_unique<api::Node>(proposed);
    auto uid = tls::RandomToken();
    if (!uid.ok()) return ToGrpc(uid.status());
    node->mutable_metadata()->set_uid(uid->substr(0, 32));
    node->mutable_metadata()->set_creation_timestamp(NowRfc3339());
    (*node->mutable_metadata()->mutable_annotations())[kAgentAnnotation] = "true";
    SetReady(*node, true, "KubeletReady", "gantry agent is posting ready status");
    written = store_.Create(NodesKind(), std::move(node)).status();
  } else {
    written = existing.status();
  }
  if (!written.ok()) return ToGrpc(written);

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
  bool fresh = false;
  for (const auto& c : node.status().conditions()) {
    if (c.type() != "Ready" || c.status() != "True") continue;
    auto at = ParseRfc3339(c.last_heartbeat_time());
    fresh = at && absl::Now() - *at < absl::Minutes(1);
  }
  if (fresh) return grpc::Status::OK;
  return ToGrpc(UpdateWithRetry<api::Node>(store_, NodesKind(), "", request->node_name(), [](api::Node& n) {
    SetReady(n, true, "KubeletReady", "gantry agent is posting ready status");
    return absl::OkStatus();
  }));
}

grpc::Status AgentService::WatchPods(grpc::ServerContext* context, const api::WatchPodsRequest* request,
                                     grpc::ServerWriter<api::PodEvent>* writer) {
  if (auto s = Authorize(context, request->node_name()); !s.ok()) return s;
  store::ListOptions options;
  auto fields = api::FieldSelector::Parse(absl::StrCat("spec.nodeName=", request->node_name()));
  if (!fields.ok()) return ToGrpc(fields.status());
  options.fields = *std::move(fields);
  int64_t from = request->resource_version();
  if (from == 0) {
    // The current pods, then SYNCED, then changes: the agent can tell which
    // of the pods it runs no longer exist.
    auto list = store_.List(PodsKind(), options);
    if (!list.ok()) return ToGrpc(list.status());
    api::PodEvent out;
    for (const auto& item : list->items) {
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
  auto stream = store_.Watch(PodsKind(), std::move(options), from);
  if (!stream.ok()) {
    // Too old: the agent starts over from the current state.
    if (api::DetailsOf(stream.status()).code == 410) {
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, std::string(stream.status().message()));
    }
    return ToGrpc(stream.status());
  }
  store::WatchEvent event;
  while (!context->IsCancelled() && !stopping_) {
    auto got = (*stream)->Next(&event, absl::Milliseconds(500));
    if (!got.ok()) {
      if (api::DetailsOf(got.status()).code == 410) {
        return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, std::string(got.status().message()));
      }
      return ToGrpc(got.status());
    }
    if (!*got) continue;
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

grpc::Status AgentService::UpdatePodStatus(grpc::ServerContext* context, const api::PodStatusUpdate* request,
                                           api::Ack*) {
  const api::PodRef& ref = request->pod();
  if (auto s = Authorize(context, ref.node_name()); !s.ok()) return s;
  return ToGrpc(UpdateWithRetry<api::Pod>(store_, PodsKind(), ref.namespace_(), ref.name(), [&](api::Pod& pod) {
    if (pod.spec().node_name() != ref.node_name()) {
      return absl::PermissionDeniedError(absl::StrCat("pod ", ref.name(), " is not bound to ", ref.node_name()));
    }
    if (!ref.uid().empty() && pod.metadata().uid() != ref.uid()) return api::NotFoundError("pods", ref.name());
    const api::PodCondition* scheduled = api::FindPodCondition(pod, "PodScheduled");
    api::PodCondition keep;
    if (scheduled != nullptr) keep = *scheduled;
    *pod.mutable_status() = request->status();
    if (scheduled != nullptr) api::SetPodCondition(pod, "PodScheduled", keep.status(), keep.reason(), keep.message());
    return absl::OkStatus();
  }));
}

grpc::Status AgentService::ConfirmPodDeletion(grpc::ServerContext* context, const api::PodRef* request,
                                              api::Ack*) {
  if (auto s = Authorize(context, request->node_name()); !s.ok()) return s;
  auto current = store_.Get(PodsKind(), request->namespace_(), request->name());
  if (!current.ok()) {
    return current.status().code() == absl::StatusCode::kNotFound ? grpc::Status::OK : ToGrpc(current.status());
  }
  const auto& pod = static_cast<const api::Pod&>(**current);
  if (pod.spec().node_name() != request->node_name() ||
      (!request->uid().empty() && pod.metadata().uid() != request->uid())) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "the pod is not this node's");
  }
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
