// The server side of the agent wire (src/api/proto/agent.proto): joins,
// heartbeats, the per-node pod stream and pod status reports, each checked
// against the calling node's own credential. It also remembers when each
// node last spoke, for the node lifecycle controller.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>

#include <atomic>
#include <string>

#include "agent.grpc.pb.h"
#include "apiserver/log_relay.h"
#include "apiserver/node_credentials.h"
#include "store/event_recorder.h"
#include "store/store.h"

namespace gantry::apiserver {

// Marks a Node as managed by a gantry agent (so the lifecycle controller
// watches its heartbeats; nodes created as plain API objects are left alone).

class AgentService final : public api::NodeAgent::Service {
 public:
  // `events` gets what the nodes' status reports imply (api/container_events.h).
  AgentService(store::Store& store, store::EventRecorder& events, NodeCredentials& credentials,
               std::string join_secret, absl::Duration heartbeat_interval);

  grpc::Status Register(grpc::ServerContext* context, const api::RegisterRequest* request,
                        api::RegisterResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context, const api::HeartbeatRequest* request,
                         api::HeartbeatResponse* response) override;
  grpc::Status WatchPods(grpc::ServerContext* context, const api::WatchPodsRequest* request,
                         grpc::ServerWriter<api::PodEvent>* writer) override;
  grpc::Status UpdatePodStatus(grpc::ServerContext* context, const api::PodStatusUpdate* request,
                               api::Ack* response) override;
  grpc::Status ConfirmPodDeletion(grpc::ServerContext* context, const api::PodRef* request,
                                  api::Ack* response) override;
  grpc::Status GetPodConfig(grpc::ServerContext* context, const api::PodRef* request, api::PodConfig* response) override;
  grpc::Status ReportPodEvent(grpc::ServerContext* context, const api::PodEventReport* request, api::Ack* response) override;
  grpc::Status Logs(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<api::LogRequest, api::LogChunk>* stream) override;

  grpc::Status RegisterFleet(grpc::ServerContext* context, const api::RegisterFleetRequest* request,
                             api::RegisterResponse* response) override;
  grpc::Status FleetHeartbeat(grpc::ServerContext* context, const api::FleetHeartbeatRequest* request,
                              api::HeartbeatResponse* response) override;
  grpc::Status WatchFleetPods(grpc::ServerContext* context, const api::WatchFleetPodsRequest* request,
                              grpc::ServerWriter<api::PodEvent>* writer) override;

  LogRelay& logs() { return logs_; }

  // When `node` last registered or sent a heartbeat through this server;
  // nullopt if never since the server started.
  std::optional<absl::Time> LastHeard(const std::string& node) const;
  // Latest usage reported by each node's heartbeat.
  absl::flat_hash_map<std::string, api::HeartbeatRequest> Usage() const;

  // Ends open pod streams (server shutdown).
  void Shutdown() { stopping_ = true; }

 private:
  grpc::Status Authorize(grpc::ServerContext* context, const std::string& node) const;
  // The pod `ref` names, if it is bound to the calling node.
  absl::StatusOr<store::ObjectPtr> BoundPod(grpc::ServerContext* context,
                                           const api::PodRef& ref) const;
  grpc::Status AuthorizeFleet(grpc::ServerContext* context, const std::string& fleet) const;
  // Creates the nodes that do not exist and refreshes those that do (labels,
  // status, Ready), in batched store commits.
  absl::Status UpsertNodes(const std::vector<const api::Node*>& nodes);
  // Streams the pods bound to any node `member` accepts: the list, SYNCED,
  // then changes from that revision.
  template <typename Member>
  grpc::Status StreamPods(grpc::ServerContext* context, int64_t from, const store::ListOptions& options,
                          Member member, grpc::ServerWriter<api::PodEvent>* writer);
  void Heard(const std::string& node, const api::HeartbeatRequest* usage);
  // The node's spec.podCIDR, given the lowest free /24 of 10.42.0.0/16 (k3s' default cluster range) on its first join.
  absl::StatusOr<std::string> AssignPodCidr(const std::string& node);
  static constexpr int kPodCidrCount = 256;

  store::Store& store_;
  store::EventRecorder& events_;
  NodeCredentials& credentials_;
  const std::string join_secret_;
  const absl::Duration heartbeat_interval_;
  std::atomic<bool> stopping_{false};
  absl::Mutex cidr_mu_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> last_heard_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, api::HeartbeatRequest> usage_ ABSL_GUARDED_BY(mu_);
  LogRelay logs_;
};

}  // namespace gantry::apiserver
