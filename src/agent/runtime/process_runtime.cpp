#include "agent/runtime/process_runtime.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/qos/cpu_pools.h"
#include "agent/runtime/container_env.h"
#include "agent/runtime/container_shim.h"
#include "agent/runtime/qos_cgroups.h"
#include "agent/network/pod_network.h"
#include "agent/volumes/pod_volumes.h"
#include "api/pod_config_refs.h"
#include "common/files.h"
#include "common/log_format.h"
#include "common/time_format.h"

namespace gantry::agent {
namespace {

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

std::string ReadText(const std::string& path) { return ReadFile(path).value_or(""); }

// kubelet's managed /etc/hosts for a pod with a host name of its own: the
// pod's name (and fully qualified name with a subdomain) at its IP.
std::string HostsFile(const api::Pod& pod, const std::string& hostname, const std::string& ip) {
  std::string names = hostname;
  if (!pod.spec().subdomain().empty()) {
    names = absl::StrCat(hostname, ".", pod.spec().subdomain(), ".", pod.metadata().namespace_(), ".svc.cluster.local\t",
                         hostname);
  }
  return absl::StrCat("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
                      "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n",
                      ip.empty() ? "127.0.1.1" : ip, "\t", names, "\n");
}

// As kubelet: spec.hostname when set (an Indexed Job's pods get one), else the pod's name.
const std::string& HostnameOf(const api::Pod& pod) {
  return pod.spec().hostname().empty() ? pod.metadata().name() : pod.spec().hostname();
}

int64_t GracePeriodOf(const api::Pod& pod) { return pod.spec().termination_grace_period_seconds(); }

// A liveness or startup probe's own grace period wins over the pod's.
int64_t ProbeGracePeriod(const api::Pod& pod, const api::Probe& probe) {
  return probe.has_termination_grace_period_seconds() ? probe.termination_grace_period_seconds() : GracePeriodOf(pod);
}

constexpr absl::Duration kConfigRetry = absl::Seconds(10);

}  // namespace

struct ProcessRuntime::Container {
  api::Container spec;
  // An init container: runs to success, one after another, before the others start.
  bool init = false;
  int restart_count = 0;
  pid_t shim_pid = 0;
  pid_t pid = 0;
  int pidfd = -1;
  bool running = false;
  bool finished = false;  // ended for good under its restart policy
  std::string started_at;
  std::string waiting_reason = "ContainerCreating";
  std::string waiting_message;
  std::optional<api::ContainerStateTerminated> last;
  absl::Time next_start = absl::InfinitePast();
  int64_t oom_kills_before = 0;
  // Probes and hooks of the running instance.
  bool ready = false;             // its readiness probe passed (or it has none)
  bool startup_passed = false;    // its startup probe passed (or it has none)
  bool post_start_pending = false;
  bool pre_stop_pending = false;
  absl::Time kill_at = absl::InfiniteFuture();  // SIGKILL due after a SIGTERM of its own
};

struct ProcessRuntime::Pod {
  api::Pod pod;
  std::string uid;
  std::string group;  // its cgroup below gantry's: <class>/pod<uid>
  std::vector<int> cpus;  // a dedicated pod's own
  int oom_score_adj = 0;
  bool placed = false;  // known to the QoS policy
  // Set when the node refused the pod or evicted it: it ends Failed.
  std::string failure_reason;
  std::string failure_message;
  std::vector<Container> containers;
  // Reconciled only when something happened to it or a timer of its is due,
  // so a burst of new pods costs each pod once, not once per other pod.
  bool dirty = true;
  absl::Time due = absl::InfiniteFuture();
  bool deleting = false;
  bool killed = false;
  absl::Time kill_at = absl::InfiniteFuture();
  std::string start_time;
  std::string last_reported;
  std::unique_ptr<PodVolumes> volumes;
  bool volumes_ready = false;
  api::PodConfig config;  // the ConfigMaps and Secrets it names, as last read
  std::string held_back;  // the last reason its containers waited, to record each once as an Event
  std::string ip;         // in a network namespace of its own (pod_network.h); empty on the node's network
};

std::string ProcessRuntime::PodIp(const Pod& pod) const { return pod.ip.empty() ? options_.node_ip : pod.ip; }

NodeFacts ProcessRuntime::FactsOf(const Pod& pod) const {
  NodeFacts facts = node_;
  facts.addresses.pod_ip = PodIp(pod);
  return facts;
}

ProcessRuntime::ProcessRuntime(ProcessRuntimeOptions options, CgroupDriver& cgroups, qos::QosPolicy& policy,
                               ShimSpawner& spawner, PodStatusSink& sink, PodConfigSource& config)
    : options_(std::move(options)),
      cgroups_(cgroups),
      policy_(policy),
      spawner_(spawner),
      sink_(sink),
      config_(config),
      node_{{options_.node_ip, options_.node_ip}, options_.node_allocatable},
      prober_(sink, [this] {
        uint64_t one = 1;
        (void)!write(wake_fd_, &one, sizeof(one));
      }) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

ProcessRuntime::~ProcessRuntime() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::string ProcessRuntime::PodDir(const std::string& uid) const { return absl::StrCat(options_.data_dir, "/pods/", uid); }

std::string ProcessRuntime::LogPath(const std::string& uid, const std::string& container, bool previous) const {
  return absl::StrCat(PodDir(uid), "/", container, previous ? ".previous.log" : ".log");
}

void ProcessRuntime::Start() {
  EnsureClassParents();
  Adopt();
  ApplySharedPool();
  prober_.Start();
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void ProcessRuntime::Stop() {
  thread_.request_stop();
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  prober_.Stop();
}

void ProcessRuntime::Apply(const api::Pod& pod) {
  {
    std::lock_guard lock(mu_);
    applied_.push_back(pod);
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void ProcessRuntime::Remove(const std::string& uid) {
  {
    std::lock_guard lock(mu_);
    removed_.push_back(uid);
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void ProcessRuntime::Evict(const std::string& uid, const std::string& message) {
  // At once, not when the runtime's thread gets to it (it may be setting up
  // another pod's network): the colocation loop must not pick the pod again.
  policy_.MarkEvicting(uid);
  {
    std::lock_guard lock(mu_);
    evicted_.emplace_back(uid, message);
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void ProcessRuntime::EnsureClassParents() {
  int cpus = policy_.pools().CpuCount();
  std::string shared_pool = qos::FormatCpuList(policy_.pools().SharedPool());
  for (api::QosClass qos : kQosClasses) {
    if (auto s = cgroups_.Ensure(ClassGroup(qos), ClassParentSettings(qos, cpus, shared_pool)); !s.ok()) {
      spdlog::error("runtime: {}", s);
    }
  }
}

void ProcessRuntime::ApplySharedPool() {
  std::string pool = qos::FormatCpuList(policy_.pools().SharedPool());
  for (api::QosClass qos : {api::QosClass::kShared, api::QosClass::kSystem, api::QosClass::kReclaimed}) {
    if (auto s = cgroups_.SetCpusetTree(ClassGroup(qos), pool); !s.ok()) {
      spdlog::error("runtime: shared pool {} on {}: {}", pool, ClassGroup(qos), s);
    }
  }
}

std::vector<ProcessRuntime::Container> ProcessRuntime::ContainersOf(const api::Pod& pod) {
  std::vector<Container> out;
  for (const auto& spec : pod.spec().init_containers()) {
    Container c;
    c.spec = spec;
    c.init = true;
    out.push_back(std::move(c));
  }
  for (const auto& spec : pod.spec().containers()) {
    Container c;
    c.spec = spec;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ProcessRuntime::Container*> ProcessRuntime::Startable(Pod& pod) {
  std::vector<Container*> out;
  for (auto& c : pod.containers) {
    if (c.init && c.finished && c.last && c.last->exit_code() == 0) continue;  // done
    if (!c.running && !c.finished) out.push_back(&c);
    // Init containers run one at a time, each to success, before the others.
    if (c.init) break;
  }
  return out;
}

bool ProcessRuntime::Place(Pod& pod, const std::vector<int>& held_cpus) {
  auto decided = policy_.Admit(pod.pod, held_cpus);
  if (!decided.ok()) {
    pod.failure_reason = decided.status().code() == absl::StatusCode::kResourceExhausted ? "DedicatedCPUsUnavailable"
                                                                                          : "UnsupportedQoS";
    pod.failure_message = std::string(decided.status().message());
    for (auto& c : pod.containers) {
      c.finished = true;
      c.waiting_reason = pod.failure_reason;
      c.waiting_message = pod.failure_message;
    }
    spdlog::warn("runtime: pod {}/{} rejected: {}", pod.pod.metadata().namespace_(), pod.pod.metadata().name(),
                 pod.failure_message);
    RecordVerdict(pod);
    return false;
  }
  pod.placed = true;
  pod.cpus = decided->cpus;
  pod.oom_score_adj = decided->oom_score_adj;
  if (pod.group.empty()) pod.group = PodGroup(decided->qos, pod.uid);
  // Dedicated CPUs leave the shared pool before the pod's group gets them.
  if (!pod.cpus.empty()) ApplySharedPool();
  if (auto s = cgroups_.Ensure(pod.group, PodSettings(*decided)); !s.ok()) spdlog::error("runtime: pod {}: {}", pod.uid, s);
  for (const auto& c : pod.containers) {
    if (auto s = cgroups_.Ensure(absl::StrCat(pod.group, "/", c.spec.name()), ContainerSettings(c.spec, *decided));
        !s.ok()) {
      spdlog::error("runtime: pod {} container {}: {}", pod.uid, c.spec.name(), s);
    }
  }
  nlohmann::json placed = {{"group", pod.group}, {"cpus", pod.cpus}};
  (void)WriteFileAtomic(PodDir(pod.uid) + "/qos.json", placed.dump(), 0600, Durability::kProcessOnly);
  return true;
}

void ProcessRuntime::RecordVerdict(const Pod& pod) {
  nlohmann::json verdict = {{"reason", pod.failure_reason}, {"message", pod.failure_message}};
  (void)WriteFileAtomic(PodDir(pod.uid) + "/verdict.json", verdict.dump(), 0600, Durability::kProcessOnly);
}

void ProcessRuntime::ReleaseQos(Pod& pod) {
  if (!pod.placed) return;
  pod.placed = false;
  if (policy_.Release(pod.uid)) ApplySharedPool();
}

void ProcessRuntime::Retain(const std::vector<std::string>& uids) {
  {
    std::lock_guard lock(mu_);
    retained_ = uids;
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

std::vector<api::PodUsage> ProcessRuntime::SampleUsage() {
  absl::flat_hash_map<std::string, Known> known;
  {
    std::lock_guard lock(known_mu_);
    known = known_;
  }
  std::vector<api::PodUsage> out;
  absl::Time now = absl::Now();
  for (const auto& [uid, ref] : known) {
    if (ref.group.empty()) continue;  // refused by the node: nothing runs
    auto usage = cgroups_.Usage(ref.group);
    if (!usage.ok()) continue;
    api::PodUsage u;
    u.set_namespace_(ref.namespace_);
    u.set_pod(ref.name);
    u.set_memory_bytes(usage->memory_bytes);
    if (auto cpu = cpu_meter_.Read(uid, usage->cpu_usage_ns, now)) u.set_cpu_millicores(*cpu);
    out.push_back(u);
  }
  cpu_meter_.EndRound();
  return out;
}

std::string ProcessRuntime::ContainerGroup(const Pod& pod, const std::string& container) {
  // Pods from before the QoS layout have one group for all their containers.
  return pod.group == pod.uid ? pod.group : absl::StrCat(pod.group, "/", container);
}

std::string ProcessRuntime::GroupOf(const std::string& uid) {
  std::lock_guard lock(known_mu_);
  auto it = known_.find(uid);
  return it == known_.end() ? std::string() : it->second.group;
}

void ProcessRuntime::Adopt() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.data_dir + "/pods", ec)) {
    auto bytes = ReadFile((entry.path() / "pod.pb").string());
    api::Pod pod;
    if (!bytes.ok() || !pod.ParseFromString(*bytes)) continue;
    auto p = std::make_unique<Pod>();
    p->pod = pod;
    p->uid = pod.metadata().uid();
    p->start_time = pod.status().start_time();
    p->volumes = std::make_unique<PodVolumes>(PodDir(p->uid));
    // A pod whose namespace outlived the previous agent keeps its address.
    if (options_.network != nullptr && std::filesystem::exists(options_.network->NetnsPath(p->uid))) {
      p->ip = options_.network->SetUp(p->uid).value_or("");
    }
    // qos.json: where Place put the pod; pods from before the QoS layout
    // keep their group at gantry/<uid>.
    auto placed = nlohmann::json::parse(ReadText((entry.path() / "qos.json").string()), nullptr, false);
    p->group = placed.is_object() ? placed.value("group", p->uid) : p->uid;
    std::vector<int> held_cpus = placed.is_object() ? placed.value("cpus", std::vector<int>{}) : std::vector<int>{};
    // verdict.json: the node refused or evicted the pod; it stays that way.
    auto verdict = nlohmann::json::parse(ReadText((entry.path() / "verdict.json").string()), nullptr, false);
    if (verdict.is_object()) {
      p->failure_reason = verdict.value("reason", "");
      p->failure_message = verdict.value("message", "");
    }
    for (Container& c : ContainersOf(pod)) {
      const api::Container& spec = c.spec;
      std::string base = absl::StrCat(PodDir(p->uid), "/", spec.name());
      (void)absl::SimpleAtoi(ReadText(base + ".restarts"), &c.restart_count);
      // <name>.state: written by the agent when it forked the shim.
      auto state = nlohmann::json::parse(ReadText(base + ".state"), nullptr, false);
      pid_t shim_pid = state.is_object() ? state.value("shimPid", 0) : 0;
      uint64_t shim_start = state.is_object() ? state.value("shimStart", uint64_t{0}) : 0;
      if (shim_pid > 0 && shim_start != 0 && ProcessStartTime(shim_pid) == shim_start) {
        c.shim_pid = shim_pid;
        c.pid = ReadContainerPid(base + ".pid").value_or(0);
        c.pidfd = PidfdOpen(shim_pid);
        c.running = c.pidfd >= 0;
        c.started_at = state.value("startedAt", "");
        c.waiting_reason.clear();
        spdlog::info("runtime: adopted {}/{} container {} (pid {})", pod.metadata().namespace_(),
                     pod.metadata().name(), spec.name(), c.pid);
      } else if (shim_pid > 0 && std::filesystem::exists(base + ".exit")) {
        // Ended while no agent was watching: handled as an exit below.
        c.running = true;
        c.started_at = state.value("startedAt", "");
      }
      // Its volumes were set up before any of its containers started.
      p->volumes_ready |= shim_pid > 0;
      p->containers.push_back(std::move(c));
    }
    if (pod.metadata().deletion_timestamp().empty() && p->failure_reason.empty()) Place(*p, held_cpus);
    {
      std::lock_guard lock(known_mu_);
      known_[p->uid] = {pod.metadata().namespace_(), pod.metadata().name(), p->group};
    }
    pods_[p->uid] = std::move(p);
  }
  for (auto& [uid, pod] : pods_) {
    for (auto& c : pod->containers) {
      if (c.running && c.pidfd < 0) Exited(*pod, c);
      if (!c.running) continue;
      // Probed afresh: ready again once its readiness probe passes.
      c.startup_passed = !Runnable(c.spec.startup_probe());
      c.ready = !Runnable(c.spec.readiness_probe());
      prober_.Watch(pod->pod, {uid, c.spec.name(), c.restart_count}, TargetOf(*pod, c),
                    ParseRfc3339(c.started_at).value_or(absl::Now()));
    }
    if (pod->failure_reason.empty()) continue;
    for (auto& c : pod->containers) {
      if (!c.running) c.finished = true;
    }
    Signal(*pod, SIGKILL);  // an eviction the previous agent did not see through
  }
}

void ProcessRuntime::Run(std::stop_token stop) {
  absl::Time next_rotation = absl::Now() + absl::Seconds(10);
  while (!stop.stop_requested()) {
    std::vector<api::Pod> applied;
    std::vector<std::string> removed;
    std::vector<std::pair<std::string, std::string>> evicted;
    std::optional<std::vector<std::string>> retained;
    {
      std::lock_guard lock(mu_);
      applied.swap(applied_);
      removed.swap(removed_);
      evicted.swap(evicted_);
      retained.swap(retained_);
    }
    if (retained) {
      absl::flat_hash_set<std::string> keep(retained->begin(), retained->end());
      for (const auto& [uid, pod] : pods_) {
        if (!keep.contains(uid)) removed.push_back(uid);
      }
    }
    absl::Time now = absl::Now();
    for (const api::Pod& pod : applied) {
      const std::string& uid = pod.metadata().uid();
      auto& slot = pods_[uid];
      bool fresh = !slot;
      if (fresh) {
        slot = std::make_unique<Pod>();
        slot->uid = uid;
        std::error_code ec;
        std::filesystem::create_directories(PodDir(uid), ec);
        slot->containers = ContainersOf(pod);
        slot->volumes = std::make_unique<PodVolumes>(PodDir(uid));
      }
      slot->pod = pod;
      slot->dirty = true;
      if (fresh && pod.metadata().deletion_timestamp().empty()) Place(*slot, {});
      {
        std::lock_guard lock(known_mu_);
        known_[uid] = {pod.metadata().namespace_(), pod.metadata().name(), slot->group};
      }
      // Runtime state needs to outlive the agent process, not the machine: the
      // containers do not survive a power loss either.
      (void)WriteFileAtomic(PodDir(uid) + "/pod.pb", pod.SerializeAsString(), 0600, Durability::kProcessOnly);
      if (!pod.metadata().deletion_timestamp().empty() && !slot->deleting) BeginTermination(*slot, now);
    }
    for (const auto& [uid, message] : evicted) {
      auto it = pods_.find(uid);
      if (it != pods_.end()) EvictPod(*it->second, message);
    }
    TakeProbeOutcomes(now);
    for (const std::string& uid : removed) {
      auto it = pods_.find(uid);
      if (it == pods_.end()) continue;
      it->second->deleting = true;
      it->second->kill_at = now;
      it->second->dirty = true;
    }

    absl::Time deadline = next_rotation;
    for (auto it = pods_.begin(); it != pods_.end();) {
      Pod& pod = *it->second;
      if (!pod.dirty && pod.due > now) {
        deadline = std::min(deadline, pod.due);
        ++it;
        continue;
      }
      pod.dirty = false;
      Reconcile(pod, now);
      bool stopped = AllStopped(pod);
      bool ended = std::all_of(pod.containers.begin(), pod.containers.end(), [](const Container& c) { return c.finished; });
      if (pod.placed && ended && stopped) ReleaseQos(pod);
      if (pod.deleting && stopped) {
        ReleaseQos(pod);
        prober_.ForgetPod(pod.uid);
        TearDownVolumes(pod);
        if (options_.network != nullptr) options_.network->TearDown(pod.uid);
        if (!pod.group.empty()) {
          if (auto s = cgroups_.Remove(pod.group); !s.ok()) spdlog::warn("runtime: {}", s);
        }
        sink_.Stopped(pod.pod);
        std::error_code ec;
        std::filesystem::remove_all(PodDir(pod.uid), ec);
        {
          std::lock_guard lock(known_mu_);
          known_.erase(pod.uid);
        }
        pods_.erase(it++);
        continue;
      }
      pod.due = absl::InfiniteFuture();
      if (pod.deleting) {
        // Killed but not yet gone (pids still in the cgroup): look again soon.
        pod.due = pod.killed ? now + absl::Milliseconds(100) : pod.kill_at;
      } else if (pod.placed && ended) {
        pod.due = now + absl::Milliseconds(100);  // its QoS is released once its processes are gone
      }
      for (const Container* c : Startable(pod)) {
        if (!pod.deleting) pod.due = std::min(pod.due, c->next_start);
      }
      for (const Container& c : pod.containers) pod.due = std::min(pod.due, c.kill_at);
      deadline = std::min(deadline, pod.due);
      ++it;
    }
    if (now >= next_rotation) {
      for (auto& [uid, pod] : pods_) {
        RotateLogs(*pod);
        CheckVolumes(*pod);
      }
      next_rotation = now + absl::Seconds(10);
    }

    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
    std::vector<std::pair<Pod*, Container*>> owners{{nullptr, nullptr}};
    for (auto& [uid, pod] : pods_) {
      for (auto& c : pod->containers) {
        if (c.pidfd < 0) continue;
        fds.push_back({c.pidfd, POLLIN, 0});
        owners.emplace_back(pod.get(), &c);
      }
    }
    int timeout = static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(deadline - absl::Now()), 0, 10000));
    if (poll(fds.data(), fds.size(), timeout) <= 0) continue;
    if (fds[0].revents != 0) {
      uint64_t drained;
      (void)!read(wake_fd_, &drained, sizeof(drained));
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Exited(*owners[i].first, *owners[i].second);
      owners[i].first->dirty = true;
    }
  }
}

void ProcessRuntime::Reconcile(Pod& pod, absl::Time now) {
  if (pod.deleting) {
    if (!pod.killed && now >= pod.kill_at) {
      Signal(pod, SIGKILL);
      pod.killed = true;
    }
    for (auto& c : pod.containers) {
      if (!c.running) c.finished = true;
    }
  } else {
    for (const auto& c : pod.containers) {
      if (c.init && c.finished && !(c.last && c.last->exit_code() == 0)) {
        // An init container failed for good (restartPolicy Never): so does the pod.
        for (auto& other : pod.containers) other.finished = true;
        break;
      }
    }
    std::vector<Container*> due;
    for (Container* c : Startable(pod)) {
      if (now >= c->next_start) due.push_back(c);
    }
    if (!due.empty() && Prepare(pod, now)) {
      for (Container* c : due) StartContainer(pod, *c, now);
    }
  }
  for (auto& c : pod.containers) {
    if (!c.running || now < c.kill_at) continue;
    c.kill_at = absl::InfiniteFuture();
    if (pid_t pid = ContainerPid(pod, c); pid > 0) kill(pid, SIGKILL);
    for (pid_t pid : cgroups_.Processes(ContainerGroup(pod, c.spec.name()))) kill(pid, SIGKILL);
  }
  Report(pod);
}

absl::Status ProcessRuntime::FetchConfig(Pod& pod) {
  if (api::ConfigRefsOf(pod.pod.spec()).empty()) return absl::OkStatus();
  auto config = config_.Fetch(pod.pod);
  if (!config.ok()) return config.status();
  pod.config = *std::move(config);
  return absl::OkStatus();
}

void ProcessRuntime::HoldBack(Pod& pod, Container& c, const std::string& reason, const std::string& message,
                              const std::string& event, absl::Time now) {
  c.next_start = now + kConfigRetry;
  c.waiting_reason = reason;
  c.waiting_message = message;
  if (pod.held_back != message) {
    pod.held_back = message;
    spdlog::warn("runtime: {}/{} container {}: {}", pod.pod.metadata().namespace_(), pod.pod.metadata().name(),
                 c.spec.name(), message);
    if (!event.empty()) sink_.Event(pod.pod, "Warning", event, message);
  }
}

bool ProcessRuntime::Prepare(Pod& pod, absl::Time now) {
  if (options_.network != nullptr && !pod.pod.spec().host_network() && pod.ip.empty()) {
    auto ip = options_.network->SetUp(pod.uid);
    if (!ip.ok()) {
      std::string message = absl::StrCat("Failed to create pod sandbox: ", ip.status().message());
      for (Container* c : Startable(pod)) HoldBack(pod, *c, "ContainerCreating", message, "FailedCreatePodSandBox", now);
      return false;
    }
    pod.ip = *ip;
  }
  absl::Status ready = FetchConfig(pod);
  if (ready.ok() && !pod.volumes_ready) {
    ready = pod.volumes->SetUp(pod.pod, pod.config, FactsOf(pod));
    if (ready.ok()) {
      ready = WriteFileAtomic(PodDir(pod.uid) + "/etc-hosts", HostsFile(pod.pod, HostnameOf(pod.pod), PodIp(pod)), 0644,
                              Durability::kProcessOnly);
    }
    pod.volumes_ready = ready.ok();
  }
  if (ready.ok()) return true;
  for (Container* c : Startable(pod)) {
    HoldBack(pod, *c, "ContainerCreating", std::string(ready.message()), "FailedMount", now);
  }
  return false;
}

std::string ProcessRuntime::PidPath(const Pod& pod, const Container& c) const {
  return absl::StrCat(PodDir(pod.uid), "/", c.spec.name(), ".pid");
}

pid_t ProcessRuntime::ContainerPid(const Pod& pod, Container& c) const {
  if (c.pid == 0) c.pid = ReadContainerPid(PidPath(pod, c)).value_or(0);
  return c.pid;
}

CheckTarget ProcessRuntime::TargetOf(const Pod& pod, const Container& c) const {
  CheckTarget target;
  target.container = c.spec;
  target.pod_ip = PodIp(pod);
  target.pid_path = PidPath(pod, c);
  target.cgroup_procs = cgroups_.ProcsFiles(ContainerGroup(pod, c.spec.name()));
  return target;
}

void ProcessRuntime::StartContainer(Pod& pod, Container& c, absl::Time now) {
  const api::Container& spec = c.spec;
  std::string base = absl::StrCat(PodDir(pod.uid), "/", spec.name());
  ShimSpec shim;
  if (spec.command().empty() && spec.args().empty()) {
    // Images are recorded, not pulled: there is no image entrypoint to fall
    // back on. As kubelet leaves a CreateContainerConfigError, the container
    // waits and the pod stays Pending (a controller must not read it as a
    // failure to replace); its spec cannot change, so it is not retried.
    c.next_start = absl::InfiniteFuture();
    c.waiting_reason = "CreateContainerConfigError";
    c.waiting_message = "gantry runs host binaries: the container needs a command";
    return;
  }
  auto env = BuildContainerEnv(pod.pod, spec, pod.config, FactsOf(pod));
  if (!env.ok()) {
    HoldBack(pod, c, "CreateContainerConfigError", std::string(env.status().message()), "", now);
    return;
  }
  if (!env->skipped_keys.empty()) {
    sink_.Event(pod.pod, "Warning", "InvalidEnvironmentVariableNames",
                absl::StrCat("Keys [", absl::StrJoin(env->skipped_keys, ", "),
                             "] from the EnvFrom sources were skipped since they are considered invalid environment "
                             "variable names."));
  }
  auto mounts = pod.volumes->MountsFor(pod.pod, spec);
  if (!mounts.ok()) {
    HoldBack(pod, c, "CreateContainerConfigError", std::string(mounts.status().message()), "", now);
    return;
  }
  absl::flat_hash_map<std::string, std::string> vars;
  for (const auto& [name, value] : env->vars) vars[name] = value;
  for (const auto& arg : spec.command()) shim.argv.push_back(ExpandVars(arg, vars));
  for (const auto& arg : spec.args()) shim.argv.push_back(ExpandVars(arg, vars));
  shim.env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  const std::string& hostname = HostnameOf(pod.pod);
  shim.env.push_back(absl::StrCat("HOSTNAME=", hostname));
  for (const auto& [name, value] : env->vars) shim.env.push_back(absl::StrCat(name, "=", value));
  shim.mounts = *std::move(mounts);
  if (!pod.ip.empty()) shim.net_ns = options_.network->NetnsPath(pod.uid);
  shim.working_dir = spec.working_dir();
  shim.log_path = LogPath(pod.uid, spec.name());
  // A restart keeps the last instance's log for `logs --previous`, as kubelet does.
  std::error_code kept;
  if (c.restart_count > 0) std::filesystem::rename(shim.log_path, LogPath(pod.uid, spec.name(), true), kept);
  // Created here, not by the shim, so a log request the moment the
  // container reports Running finds its file.
  if (int fd = open(shim.log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640); fd >= 0) close(fd);
  shim.cgroup_procs = cgroups_.ProcsFiles(ContainerGroup(pod, spec.name()));
  shim.oom_score_adj = pod.oom_score_adj;
  shim.new_namespaces = !pod.pod.spec().host_pid();
  shim.hostname = hostname;
  // With a host name of its own, the pod resolves it through its own hosts file, as kubelet manages it.
  if (shim.new_namespaces) shim.mounts.push_back({PodDir(pod.uid) + "/etc-hosts", "/etc/hosts", false});
  shim.pid_path = PidPath(pod, c);
  shim.exit_path = base + ".exit";
  std::error_code ec;
  std::filesystem::remove(shim.exit_path, ec);
  std::filesystem::remove(shim.pid_path, ec);
  auto spawned = spawner_.Spawn(shim);
  if (!spawned.ok()) {
    spdlog::error("runtime: starting {}: {}", spec.name(), spawned.status());
    c.next_start = now + options_.initial_backoff;
    return;
  }
  pid_t shim_pid = *spawned;
  c.started_at = Rfc3339(now);
  nlohmann::json state = {{"shimPid", shim_pid}, {"shimStart", ProcessStartTime(shim_pid)}, {"startedAt", c.started_at}};
  (void)WriteFileAtomic(base + ".state", state.dump(), 0600, Durability::kProcessOnly);
  auto usage = cgroups_.Usage(ContainerGroup(pod, c.spec.name()));
  c.oom_kills_before = usage.ok() ? usage->oom_kills : 0;
  c.shim_pid = shim_pid;
  c.pid = 0;  // known once the shim has forked it (see Signal)
  c.pidfd = PidfdOpen(shim_pid);
  c.running = true;
  c.waiting_reason.clear();
  c.waiting_message.clear();
  pod.held_back.clear();
  c.ready = !Runnable(spec.readiness_probe());
  c.startup_passed = !Runnable(spec.startup_probe());
  c.kill_at = absl::InfiniteFuture();
  ContainerInstance of{pod.uid, spec.name(), c.restart_count};
  if (Runnable(spec.lifecycle().post_start())) {
    // Probes begin once the hook is through; until then the container is still being created.
    c.post_start_pending = true;
    c.waiting_reason = "ContainerCreating";
    prober_.RunHook(pod.pod, of, HookKind::kPostStart, TargetOf(pod, c), absl::Seconds(GracePeriodOf(pod.pod)));
  } else {
    prober_.Watch(pod.pod, of, TargetOf(pod, c), now);
  }
  if (pod.start_time.empty()) pod.start_time = c.started_at;
  spdlog::info("runtime: started {}/{} container {} (restart {})", pod.pod.metadata().namespace_(),
               pod.pod.metadata().name(), spec.name(), c.restart_count);
}

void ProcessRuntime::Exited(Pod& pod, Container& c) {
  if (c.pidfd >= 0) close(c.pidfd);
  c.pidfd = -1;
  (void)waitpid(c.shim_pid, nullptr, WNOHANG);  // ours unless adopted
  std::string base = absl::StrCat(PodDir(pod.uid), "/", c.spec.name());
  auto exit = ReadShimExit(base + ".exit");
  auto usage = cgroups_.Usage(ContainerGroup(pod, c.spec.name()));
  bool oom = usage.ok() && usage->oom_kills > c.oom_kills_before;
  api::ContainerStateTerminated t;
  t.set_exit_code(exit.ok() ? exit->exit_code : 255);
  t.set_signal(exit.ok() ? exit->signal : 0);
  t.set_reason(oom ? "OOMKilled" : (t.exit_code() == 0 ? "Completed" : "Error"));
  if (!exit.ok()) t.set_message("the container's shim ended without recording an exit");
  t.set_started_at(c.started_at);
  t.set_finished_at(exit.ok() ? exit->finished_at : NowRfc3339());
  c.last = t;
  c.running = false;
  c.pid = 0;
  c.ready = false;
  c.post_start_pending = false;
  c.pre_stop_pending = false;
  c.kill_at = absl::InfiniteFuture();
  prober_.Forget(pod.uid, c.spec.name());
  const std::string& policy = pod.pod.spec().restart_policy();
  // An init container that succeeded is done whatever the policy; under
  // Always it restarts on failure, as under OnFailure.
  bool on_failure = policy == "OnFailure" || (c.init && policy != "Never");
  bool restart = !pod.deleting && pod.failure_reason.empty() &&
                 (on_failure ? t.exit_code() != 0 : policy.empty() || policy == "Always");
  if (!restart) {
    c.finished = true;
    return;
  }
  ++c.restart_count;
  (void)WriteFileAtomic(base + ".restarts", std::to_string(c.restart_count), 0600, Durability::kProcessOnly);
  absl::Duration delay = options_.initial_backoff * (int64_t{1} << std::min(c.restart_count - 1, 5));
  c.next_start = absl::Now() + std::min(delay, options_.max_backoff);
  c.waiting_reason = "CrashLoopBackOff";
  c.waiting_message = absl::StrCat("back-off ", absl::FormatDuration(std::min(delay, options_.max_backoff)),
                                   " restarting failed container=", c.spec.name());
}

void ProcessRuntime::Signal(Pod& pod, int signal) {
  for (auto& c : pod.containers) {
    // A container whose preStop hook runs gets its SIGTERM when the hook is through.
    if (!c.running || (signal == SIGTERM && c.pre_stop_pending)) continue;
    if (pid_t pid = ContainerPid(pod, c); pid > 0) kill(pid, signal);
  }
  // Anything else left in the pod's cgroup (children that escaped the
  // namespace's init) goes with SIGKILL too.
  if (signal == SIGKILL && !pod.group.empty()) {
    for (pid_t pid : cgroups_.Processes(pod.group)) kill(pid, SIGKILL);
  }
}

void ProcessRuntime::TakeProbeOutcomes(absl::Time now) {
  for (ProbeOutcome& outcome : prober_.TakeOutcomes()) {
    auto it = pods_.find(outcome.of.uid);
    if (it == pods_.end()) continue;
    Pod& pod = *it->second;
    Container* c = nullptr;
    for (auto& candidate : pod.containers) {
      if (candidate.spec.name() == outcome.of.container) c = &candidate;
    }
    // An outcome about an instance that has since ended is stale.
    if (c == nullptr || !c->running || c->restart_count != outcome.of.instance) continue;
    pod.dirty = true;
    switch (outcome.kind) {
      case ProbeOutcomeKind::kStarted:
        c->startup_passed = true;
        break;
      case ProbeOutcomeKind::kReady:
      case ProbeOutcomeKind::kUnready:
        c->ready = outcome.kind == ProbeOutcomeKind::kReady;
        break;
      case ProbeOutcomeKind::kLivenessFailed:
      case ProbeOutcomeKind::kStartupFailed: {
        bool liveness = outcome.kind == ProbeOutcomeKind::kLivenessFailed;
        const api::Probe& probe = liveness ? c->spec.liveness_probe() : c->spec.startup_probe();
        sink_.Event(pod.pod, "Normal", "Killing",
                    absl::StrCat("Container ", c->spec.name(), " failed ", liveness ? "liveness" : "startup",
                                 " probe, will be restarted"));
        KillContainer(pod, *c, ProbeGracePeriod(pod.pod, probe), now);
        break;
      }
      case ProbeOutcomeKind::kPostStartDone:
        c->post_start_pending = false;
        c->waiting_reason.clear();
        if (!outcome.success) {
          KillContainer(pod, *c, GracePeriodOf(pod.pod), now);
        } else {
          prober_.Watch(pod.pod, outcome.of, TargetOf(pod, *c), now);
        }
        break;
      case ProbeOutcomeKind::kPreStopDone:
        c->pre_stop_pending = false;
        if (pid_t pid = ContainerPid(pod, *c); pid > 0) kill(pid, SIGTERM);
        break;
    }
  }
}

void ProcessRuntime::KillContainer(Pod& pod, Container& c, int64_t grace_seconds, absl::Time now) {
  if (pid_t pid = ContainerPid(pod, c); pid > 0) kill(pid, SIGTERM);
  c.kill_at = now + absl::Seconds(grace_seconds);
  prober_.Forget(pod.uid, c.spec.name());
}

void ProcessRuntime::BeginTermination(Pod& pod, absl::Time now) {
  pod.deleting = true;
  const auto& meta = pod.pod.metadata();
  int64_t grace = meta.has_deletion_grace_period_seconds() ? meta.deletion_grace_period_seconds() : GracePeriodOf(pod.pod);
  pod.kill_at = now + absl::Seconds(grace);
  for (auto& c : pod.containers) {
    if (!c.running || !Runnable(c.spec.lifecycle().pre_stop())) continue;
    c.pre_stop_pending = true;
    prober_.RunHook(pod.pod, {pod.uid, c.spec.name(), c.restart_count}, HookKind::kPreStop, TargetOf(pod, c),
                    absl::Seconds(grace));
  }
  Signal(pod, SIGTERM);
}

void ProcessRuntime::EvictPod(Pod& pod, const std::string& message) {
  if (!pod.failure_reason.empty() || pod.deleting) return;
  pod.failure_reason = "Evicted";
  pod.failure_message = message;
  RecordVerdict(pod);
  pod.dirty = true;
  policy_.MarkEvicting(pod.uid);
  for (auto& c : pod.containers) {
    if (!c.running) c.finished = true;
  }
  Signal(pod, SIGKILL);
  spdlog::warn("runtime: evicted {}/{}: {}", pod.pod.metadata().namespace_(), pod.pod.metadata().name(), message);
}

void ProcessRuntime::CheckVolumes(Pod& pod) {
  if (!pod.volumes_ready || pod.deleting || !pod.failure_reason.empty() || pod.pod.spec().volumes().empty()) return;
  bool running = std::any_of(pod.containers.begin(), pod.containers.end(), [](const Container& c) { return c.running; });
  if (!running) return;
  if (auto over = pod.volumes->OverLimit(pod.pod)) {
    EvictPod(pod, *over);
    return;
  }
  absl::Status fetched = FetchConfig(pod);
  auto changed = fetched.ok() ? pod.volumes->Refresh(pod.pod, pod.config, FactsOf(pod))
                              : absl::StatusOr<std::vector<std::string>>(fetched);
  if (!changed.ok()) {
    spdlog::warn("runtime: updating the volumes of {}/{}: {}", pod.pod.metadata().namespace_(), pod.pod.metadata().name(),
                 changed.status());
    return;
  }
  for (const std::string& name : *changed) {
    spdlog::info("runtime: volume {} of {}/{} updated", name, pod.pod.metadata().namespace_(), pod.pod.metadata().name());
  }
}

void ProcessRuntime::TearDownVolumes(Pod& pod) {
  absl::flat_hash_set<std::string> elsewhere;
  for (const auto& [uid, other] : pods_) {
    if (uid == pod.uid) continue;
    for (std::string& path : PodVolumes::MountPaths(other->pod)) elsewhere.insert(std::move(path));
  }
  pod.volumes->TearDown(pod.pod, elsewhere);
}

bool ProcessRuntime::AllStopped(const Pod& pod) const {
  for (const auto& c : pod.containers) {
    if (c.running) return false;
  }
  return pod.group.empty() || cgroups_.Processes(pod.group).empty();
}

void ProcessRuntime::Report(Pod& pod) {
  api::PodStatus status;
  bool all_finished = true;
  bool all_succeeded = true;
  bool any_running = false;
  bool all_running = true;
  bool any_started = false;
  bool initialized = true;
  bool init_failed = false;
  std::vector<std::string> unready;
  for (const auto& c : pod.containers) {
    auto* cs = c.init ? status.add_init_container_statuses() : status.add_container_statuses();
    cs->set_name(c.spec.name());
    cs->set_image(c.spec.image());
    cs->set_restart_count(c.restart_count);
    const bool running = c.running && !c.post_start_pending;
    const bool ready = running && c.startup_passed && c.ready;
    cs->set_ready(c.init ? c.finished && c.last && c.last->exit_code() == 0 : ready);
    cs->set_started(running && c.startup_passed);
    cs->set_container_id(absl::StrCat("gantry://", pod.uid, "/", c.spec.name(), "/", c.restart_count));
    if (running) {
      cs->mutable_state()->mutable_running()->set_started_at(c.started_at);
      if (c.last) *cs->mutable_last_state()->mutable_terminated() = *c.last;
    } else if (c.finished && c.last) {
      *cs->mutable_state()->mutable_terminated() = *c.last;
    } else {
      // Kubernetes' reason for a container that waits for its pod's init containers.
      bool held = !c.init && !initialized && c.waiting_reason == "ContainerCreating";
      cs->mutable_state()->mutable_waiting()->set_reason(held ? "PodInitializing" : c.waiting_reason);
      cs->mutable_state()->mutable_waiting()->set_message(c.waiting_message);
      if (c.last) *cs->mutable_last_state()->mutable_terminated() = *c.last;
    }
    if (c.init) {
      bool succeeded = c.finished && c.last && c.last->exit_code() == 0;
      init_failed |= c.finished && !succeeded;
      initialized &= succeeded;
      continue;
    }
    all_finished &= c.finished;
    all_succeeded &= c.finished && c.last && c.last->exit_code() == 0;
    any_running |= c.running;
    all_running &= c.running;
    if (!ready) unready.push_back(c.spec.name());
    any_started |= c.last.has_value();
  }
  const bool has_containers = status.container_statuses_size() > 0;
  if (!pod.failure_reason.empty()) {
    status.set_phase("Failed");
    status.set_reason(pod.failure_reason);
    status.set_message(pod.failure_message);
  } else if (init_failed) {
    status.set_phase("Failed");
  } else if (!initialized) {
    status.set_phase("Pending");  // as Kubernetes reports a pod whose init containers run
  } else if (all_finished && has_containers) {
    status.set_phase(all_succeeded ? "Succeeded" : "Failed");
  } else if (any_running || any_started) {
    status.set_phase("Running");
  } else {
    status.set_phase("Pending");
  }
  status.set_start_time(pod.start_time);
  status.set_host_ip(options_.node_ip);
  status.set_pod_ip(PodIp(pod));
  status.set_qos_class(pod.pod.status().qos_class());
  std::string now = NowRfc3339();
  const bool all_ready = all_running && unready.empty();
  for (const auto& [type, ok] : {std::pair<const char*, bool>{"Initialized", initialized},
                                 {"ContainersReady", all_ready},
                                 {"Ready", all_ready}}) {
    auto* cond = status.add_conditions();
    cond->set_type(type);
    cond->set_status(ok ? "True" : "False");
    if (!ok && std::string_view(type) != "Initialized" && !unready.empty()) {
      cond->set_reason("ContainersNotReady");
      cond->set_message(absl::StrCat("containers with unready status: [", absl::StrJoin(unready, " "), "]"));
    }
  }
  if (pod.failure_reason == "Evicted") {
    auto* cond = status.add_conditions();
    cond->set_type("DisruptionTarget");
    cond->set_status("True");
    cond->set_reason("TerminationByKubelet");
    cond->set_message(pod.failure_message);
  }
  std::string key = status.SerializeAsString();
  if (key == pod.last_reported) return;
  pod.last_reported = key;
  for (auto& cond : *status.mutable_conditions()) cond.set_last_transition_time(now);
  sink_.StatusChanged(pod.pod, status);
}

void ProcessRuntime::RotateLogs(Pod& pod) {
  // copytruncate: the container keeps appending to the same open file.
  for (const auto& c : pod.containers) {
    std::string log = LogPath(pod.uid, c.spec.name());
    std::error_code ec;
    auto size = std::filesystem::file_size(log, ec);
    if (ec || static_cast<int64_t>(size) <= options_.max_log_bytes) continue;
    std::filesystem::copy_file(log, log + ".1", std::filesystem::copy_options::overwrite_existing, ec);
    if (!ec) truncate(log.c_str(), 0);
  }
}

}  // namespace gantry::agent
