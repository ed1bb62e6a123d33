#include "apiserver/table_printers.h"

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <optional>

#include "api/gang.h"
#include "api/json_codec.h"
#include "api/object_meta.h"
#include "api/qos.h"
#include "common/time_format.h"
#include "apps.pb.h"
#include "batch.pb.h"
#include "core.pb.h"
#include "scheduling.pb.h"

namespace gantry::apiserver {
namespace {

using nlohmann::json;

struct Column {
  const char* name;
  const char* type;
  int priority;
  const char* description;
};

json ColumnDefinitions(const std::vector<Column>& columns) {
  json out = json::array();
  for (const Column& c : columns) {
    out.push_back({{"name", c.name}, {"type", c.type}, {"format", std::string(c.name) == "Name" ? "name" : ""},
                   {"description", c.description}, {"priority", c.priority}});
  }
  return out;
}

// kubectl's STATUS while init containers run: Init:N/M, or Init:<reason> of
// the one that is failing.
std::optional<std::string> InitStatusText(const api::Pod& pod) {
  const auto& inits = pod.status().init_container_statuses();
  int done = 0;
  for (const auto& cs : inits) {
    const auto& terminated = cs.state().terminated();
    if (cs.state().has_terminated() && terminated.exit_code() == 0) {
      ++done;
      continue;
    }
    if (cs.state().has_terminated()) {
      return absl::StrCat("Init:", terminated.reason().empty() ? "Error" : terminated.reason());
    }
    const std::string& waiting = cs.state().waiting().reason();
    if (cs.state().has_waiting() && !waiting.empty() && waiting != "PodInitializing" && waiting != "ContainerCreating") {
      return absl::StrCat("Init:", waiting);
    }
    return absl::StrCat("Init:", done, "/", inits.size());
  }
  return std::nullopt;
}

std::string PodStatusText(const api::Pod& pod) {
  std::string reason = pod.status().reason().empty() ? pod.status().phase() : pod.status().reason();
  if (auto init = InitStatusText(pod); init && pod.metadata().deletion_timestamp().empty()) return *init;
  for (const auto& cs : pod.status().container_statuses()) {
    if (cs.state().has_waiting() && !cs.state().waiting().reason().empty()) {
      reason = cs.state().waiting().reason();
    } else if (cs.state().has_terminated() && !cs.state().terminated().reason().empty()) {
      reason = cs.state().terminated().reason();
    }
  }
  if (!pod.metadata().deletion_timestamp().empty()) reason = "Terminating";
  return reason;
}

json JobCells(const api::Job& job) {
  std::string state = "Running";
  for (const auto& c : job.status().conditions()) {
    if (c.status() != "True") continue;
    if (c.type() == "Complete") state = "Complete";
    if (c.type() == "Failed") state = "Failed";
    if (c.type() == "Suspended") state = "Suspended";
  }
  std::string duration;
  if (auto start = ParseRfc3339(job.status().start_time())) {
    auto end = ParseRfc3339(job.status().completion_time());
    duration = HumanDuration((end ? *end : absl::Now()) - *start);
  }
  std::string completions = job.spec().has_completions()
                                ? absl::StrCat(job.status().succeeded(), "/", job.spec().completions())
                                : absl::StrCat(job.status().succeeded(), "/1 of ", job.spec().parallelism());
  return json{job.metadata().name(), state, completions, duration, AgeOf(job.metadata().creation_timestamp())};
}

std::string ColocationClassText(const api::Pod& pod) {
  auto qos = api::ParseQosClass(pod);
  return qos.ok() ? std::string(api::QosClassName(*qos)) : "<invalid>";
}

json PodCells(const api::Pod& pod) {
  int ready = 0;
  int64_t restarts = 0;
  for (const auto& cs : pod.status().container_statuses()) {
    if (cs.ready()) ++ready;
    restarts += cs.restart_count();
  }
  auto or_none = [](const std::string& s) { return s.empty() ? std::string("<none>") : s; };
  return {pod.metadata().name(),
          absl::StrCat(ready, "/", pod.spec().containers_size()),
          PodStatusText(pod),
          restarts,
          AgeOf(pod.metadata().creation_timestamp()),
          or_none(pod.status().pod_ip()),
          or_none(pod.spec().node_name()),
          or_none(pod.status().nominated_node_name()),
          "<none>",
          ColocationClassText(pod)};
}

json NodeCells(const api::Node& node) {
  std::string ready = "Unknown";
  for (const auto& c : node.status().conditions()) {
    if (c.type() == "Ready") ready = c.status() == "True" ? "Ready" : "NotReady";
  }
  if (node.spec().unschedulable()) ready += ",SchedulingDisabled";
  std::vector<std::string> roles;
  for (const auto& [k, v] : node.metadata().labels()) {
    if (absl::StartsWith(k, "node-role.kubernetes.io/")) roles.push_back(k.substr(24));
  }
  std::sort(roles.begin(), roles.end());
  std::string internal_ip = "<none>";
  std::string external_ip = "<none>";
  for (const auto& a : node.status().addresses()) {
    if (a.type() == "InternalIP") internal_ip = a.address();
    if (a.type() == "ExternalIP") external_ip = a.address();
  }
  const auto& info = node.status().node_info();
  auto or_unknown = [](const std::string& s) { return s.empty() ? std::string("<unknown>") : s; };
  return {node.metadata().name(), ready, roles.empty() ? "<none>" : absl::StrJoin(roles, ","),
          AgeOf(node.metadata().creation_timestamp()), info.kubelet_version(), internal_ip,
          external_ip, or_unknown(info.os_image()), or_unknown(info.kernel_version()),
          or_unknown(info.container_runtime_version())};
}

json EventCells(const api::Event& ev) {
  std::string last = ev.last_timestamp().empty() ? ev.event_time() : ev.last_timestamp();
  if (last.empty()) last = ev.metadata().creation_timestamp();
  return {AgeOf(last), ev.type(), ev.reason(),
          absl::StrCat(absl::AsciiStrToLower(ev.involved_object().kind()), "/", ev.involved_object().name()),
          ev.message()};
}

struct Printer {
  std::vector<Column> columns;
  json (*cells)(const google::protobuf::Message&);
};

const Printer& PrinterFor(const api::KindInfo& kind) {
  static const Column kName{"Name", "string", 0, "Name must be unique within a namespace."};
  static const Column kAge{"Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."};
  static const Printer pod{{kName,
                            {"Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."},
                            {"Status", "string", 0, "The aggregate status of the containers in this pod."},
                            {"Restarts", "integer", 0, "The number of times the containers in this pod have been restarted."},
                            kAge,
                            {"IP", "string", 1, "IP address allocated to the pod."},
                            {"Node", "string", 1, "Name of the Node the pod is bound to."},
                            {"Nominated Node", "string", 1, "Node the pod is nominated to by preemption."},
                            {"Readiness Gates", "string", 1, "Pod readiness gates."},
                            {"QoS", "string", 1,
                             "The node QoS class the pod runs in: dedicated, shared, reclaimed or system."}},
                           [](const google::protobuf::Message& m) { return PodCells(static_cast<const api::Pod&>(m)); }};
  static const Printer node{{kName,
                             {"Status", "string", 0, "The status of the node"},
                             {"Roles", "string", 0, "The roles of the node"},
                             kAge,
                             {"Version", "string", 0, "Kubelet Version reported by the node."},
                             {"Internal-IP", "string", 1, "List of internal IPs for the node."},
                             {"External-IP", "string", 1, "List of external IPs for the node."},
                             {"OS-Image", "string", 1, "OS Image reported by the node."},
                             {"Kernel-Version", "string", 1, "Kernel Version reported by the node."},
                             {"Container-Runtime", "string", 1, "Container Runtime Version reported by the node."}},
                            [](const google::protobuf::Message& m) { return NodeCells(static_cast<const api::Node&>(m)); }};
  static const Printer ns{{kName, {"Status", "string", 0, "The status of the namespace"}, kAge},
                          [](const google::protobuf::Message& m) {
                            const auto& n = static_cast<const api::Namespace&>(m);
                            return json{n.metadata().name(), n.status().phase(), AgeOf(n.metadata().creation_timestamp())};
                          }};
  static const Printer event{{{"Last Seen", "string", 0, "Time the latest event occurred."},
                              {"Type", "string", 0, "Type of this event."},
                              {"Reason", "string", 0, "Why the event happened."},
                              {"Object", "string", 0, "The object the event is about."},
                              {"Message", "string", 0, "Description of the event."}},
                             [](const google::protobuf::Message& m) { return EventCells(static_cast<const api::Event&>(m)); }};
  static const Printer pc{{kName,
                           {"Value", "integer", 0, "The priority value."},
                           {"Global-Default", "boolean", 0, "Whether this is the default priority class."},
                           kAge,
                           {"PreemptionPolicy", "string", 0, "Preemption policy of pods in this class."}},
                          [](const google::protobuf::Message& m) {
                            const auto& p = static_cast<const api::PriorityClass&>(m);
                            return json{p.metadata().name(), p.value(), p.global_default(),
                                        AgeOf(p.metadata().creation_timestamp()), p.preemption_policy()};
                          }};
  static const Printer pg{{kName,
                           {"Phase", "string", 0, "Scheduling phase of the group."},
                           {"Min", "integer", 0, "Pods that must be scheduled together."},
                           {"Scheduled", "string", 0, "Pods bound to a node."},
                           {"Running", "string", 0, "Pods running."},
                           {"Succeeded", "string", 0, "Pods that succeeded."},
                           {"Failed", "string", 0, "Pods that failed."},
                           kAge},
                          [](const google::protobuf::Message& m) {
                            const api::PodGroupSummary g = api::SummarizePodGroup(*api::FindPodGroupShape(m), m);
                            auto count = [](const std::optional<int32_t>& n) -> json {
                              return n ? json(std::to_string(*n)) : json("-");
                            };
                            return json{api::MetaOf(m).name(), g.phase, g.min_member, count(g.scheduled),
                                        count(g.running), count(g.succeeded), count(g.failed),
                                        AgeOf(api::MetaOf(m).creation_timestamp())};
                          }};
  static const Printer deployment{{kName,
                                   {"Ready", "string", 0, "Ready pods of the desired replicas."},
                                   {"Up-to-date", "integer", 0, "Pods of the current template."},
                                   {"Available", "integer", 0, "Pods available to serve."},
                                   kAge},
                                  [](const google::protobuf::Message& m) {
                                    const auto& d = static_cast<const api::Deployment&>(m);
                                    return json{d.metadata().name(),
                                                absl::StrCat(d.status().ready_replicas(), "/", d.spec().replicas()),
                                                d.status().updated_replicas(), d.status().available_replicas(),
                                                AgeOf(d.metadata().creation_timestamp())};
                                  }};
  static const Printer replica_set{{kName,
                                    {"Desired", "integer", 0, "Replicas wanted."},
                                    {"Current", "integer", 0, "Replicas running or starting."},
                                    {"Ready", "integer", 0, "Replicas ready."},
                                    kAge},
                                   [](const google::protobuf::Message& m) {
                                     const auto& r = static_cast<const api::ReplicaSet&>(m);
                                     return json{r.metadata().name(), r.spec().replicas(), r.status().replicas(),
                                                 r.status().ready_replicas(), AgeOf(r.metadata().creation_timestamp())};
                                   }};
  static const Printer daemon_set{{kName,
                                   {"Desired", "integer", 0, "Nodes that should run the daemon pod."},
                                   {"Current", "integer", 0, "Nodes running it."},
                                   {"Ready", "integer", 0, "Nodes where it is ready."},
                                   {"Up-to-date", "integer", 0, "Nodes running the current template."},
                                   {"Available", "integer", 0, "Nodes where it is available."},
                                   kAge},
                                  [](const google::protobuf::Message& m) {
                                    const auto& d = static_cast<const api::DaemonSet&>(m);
                                    const auto& s = d.status();
                                    return json{d.metadata().name(), s.desired_number_scheduled(),
                                                s.current_number_scheduled(), s.number_ready(),
                                                s.updated_number_scheduled(), s.number_available(),
                                                AgeOf(d.metadata().creation_timestamp())};
                                  }};
  static const Printer job{{kName,
                            {"Status", "string", 0, "Running, Complete, Failed or Suspended."},
                            {"Completions", "string", 0, "Succeeded pods of the completions wanted."},
                            {"Duration", "string", 0, "How long the Job ran."},
                            kAge},
                           [](const google::protobuf::Message& m) { return JobCells(static_cast<const api::Job&>(m)); }};
  static const Printer config_map{{kName, {"Data", "integer", 0, "Number of keys."}, kAge},
                                  [](const google::protobuf::Message& m) {
                                    const auto& c = static_cast<const api::ConfigMap&>(m);
                                    return json{c.metadata().name(), c.data_size() + c.binary_data_size(),
                                                AgeOf(c.metadata().creation_timestamp())};
                                  }};
  static const Printer secret{{kName, {"Type", "string", 0, "How the data is used."}, {"Data", "integer", 0, "Number of keys."}, kAge},
                              [](const google::protobuf::Message& m) {
                                const auto& c = static_cast<const api::Secret&>(m);
                                return json{c.metadata().name(), c.type(), c.data_size(),
                                            AgeOf(c.metadata().creation_timestamp())};
                              }};
  static const Printer generic{{kName, kAge}, [](const google::protobuf::Message& m) {
                                 const auto& meta = api::MetaOf(m);
                                 return json{meta.name(), AgeOf(meta.creation_timestamp())};
                               }};
  if (kind.kind == "Pod") return pod;
  if (kind.kind == "Node") return node;
  if (kind.kind == "Namespace") return ns;
  if (kind.kind == "Event") return event;
  if (kind.kind == "PriorityClass") return pc;
  if (kind.kind == "PodGroup") return pg;
  if (kind.kind == "Deployment") return deployment;
  if (kind.kind == "ReplicaSet") return replica_set;
  if (kind.kind == "DaemonSet") return daemon_set;
  if (kind.kind == "Job") return job;
  if (kind.kind == "ConfigMap") return config_map;
  if (kind.kind == "Secret") return secret;
  return generic;
}

}  // namespace

json ToTable(const api::KindInfo& kind,
             const std::vector<std::shared_ptr<const google::protobuf::Message>>& objects,
             TableObjects include, bool with_columns, const std::string& resource_version) {
  const Printer& printer = PrinterFor(kind);
  json rows = json::array();
  for (const auto& object : objects) {
    json row = {{"cells", printer.cells(*object)}};
    if (include == TableObjects::kObject) {
      row["object"] = api::EncodeObject(kind, *object);
    } else if (include == TableObjects::kMetadata) {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", api::EncodeJson(api::MetaOf(*object))}};
    }
    rows.push_back(std::move(row));
  }
  json table = {{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", {{"resourceVersion", resource_version}}},
                {"rows", std::move(rows)}};
  table["columnDefinitions"] = with_columns ? ColumnDefinitions(printer.columns) : json::array();
  return table;
}

}  // namespace gantry::apiserver
