#include "agent/runtime/prober.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <tuple>

namespace gantry::agent {
namespace {

std::string Key(const std::string& uid, const std::string& container) { return absl::StrCat(uid, "/", container); }

const char* ProbeName(int kind) {
  static const char* kNames[] = {"Startup", "Readiness", "Liveness"};
  return kNames[kind];
}

// The handler of a hook, run like a probe's.
CheckResult RunHandler(const api::LifecycleHandler& handler, const CheckTarget& target, absl::Duration timeout) {
  if (handler.has_exec()) return RunExec(handler.exec(), target, timeout);
  return RunHttpGet(handler.http_get(), target, timeout);
}

// What an Event about the pod needs of it: its identity and its node.
api::Pod EventSubject(const api::Pod& pod) {
  api::Pod subject;
  *subject.mutable_metadata() = pod.metadata();
  subject.mutable_spec()->set_node_name(pod.spec().node_name());
  return subject;
}

}  // namespace

Prober::Prober(PodStatusSink& sink, std::function<void()> wake) : sink_(sink), wake_(std::move(wake)) {}

Prober::~Prober() { Stop(); }

void Prober::Start() {
  probe_thread_ = std::jthread([this](std::stop_token stop) { RunProbes(stop); });
  hook_thread_ = std::jthread([this](std::stop_token stop) { RunHooks(stop); });
}

void Prober::Stop() {
  probe_thread_.request_stop();
  hook_thread_.request_stop();
  if (probe_thread_.joinable()) probe_thread_.join();
  if (hook_thread_.joinable()) hook_thread_.join();
}

void Prober::Watch(const api::Pod& pod, const ContainerInstance& of, CheckTarget target, absl::Time started) {
  const api::Container& c = target.container;
  Watched w;
  w.pod = EventSubject(pod);
  w.of = of;
  w.started = true;
  for (auto [kind, present, spec] : {std::tuple{Kind::kStartup, c.has_startup_probe(), &c.startup_probe()},
                                     {Kind::kReadiness, c.has_readiness_probe(), &c.readiness_probe()},
                                     {Kind::kLiveness, c.has_liveness_probe(), &c.liveness_probe()}}) {
    // A probe whose handler gantry does not run (grpc) was dropped with a warning: none to run.
    if (!present || !Runnable(*spec)) continue;
    if (kind == Kind::kStartup) w.started = false;
    ProbeState& probe = w.probes.emplace_back();
    probe.kind = kind;
    probe.spec = *spec;
    probe.next = started + absl::Seconds(spec->initial_delay_seconds());
  }
  w.target = std::move(target);
  if (w.probes.empty()) return;
  {
    std::lock_guard lock(mu_);
    watched_[Key(of.uid, of.container)] = std::move(w);
    ++generation_;
  }
  changed_.notify_all();
}

void Prober::Forget(const std::string& uid, const std::string& container) {
  std::lock_guard lock(mu_);
  watched_.erase(Key(uid, container));
}

void Prober::ForgetPod(const std::string& uid) {
  std::lock_guard lock(mu_);
  absl::erase_if(watched_, [&](const auto& entry) { return entry.second.of.uid == uid; });
}

void Prober::RunHook(const api::Pod& pod, const ContainerInstance& of, HookKind kind, CheckTarget target,
                     absl::Duration timeout) {
  HookJob job;
  job.pod = EventSubject(pod);
  job.of = of;
  job.kind = kind;
  job.target = std::move(target);
  job.timeout = timeout;
  {
    std::lock_guard lock(mu_);
    hooks_.push_back(std::move(job));
    ++generation_;
  }
  changed_.notify_all();
}

std::vector<ProbeOutcome> Prober::TakeOutcomes() {
  std::lock_guard lock(mu_);
  return std::exchange(outcomes_, {});
}

void Prober::Emit(ProbeOutcome outcome) {
  outcomes_.push_back(std::move(outcome));
  wake_();
}

CheckResult Prober::Check(const api::Probe& probe, const CheckTarget& target) const {
  absl::Duration timeout = absl::Seconds(std::max(1, probe.timeout_seconds()));
  if (probe.has_exec()) return RunExec(probe.exec(), target, timeout);
  if (probe.has_http_get()) return RunHttpGet(probe.http_get(), target, timeout);
  return RunTcpSocket(probe.tcp_socket(), target, timeout);
}

void Prober::Record(Watched& w, ProbeState& probe, const CheckResult& result, absl::Time now) {
  const api::Probe& spec = probe.spec;
  probe.next = now + absl::Seconds(std::max(1, spec.period_seconds()));
  if (result.success) {
    probe.failures = 0;
    ++probe.successes;
  } else {
    probe.successes = 0;
    ++probe.failures;
    sink_.Event(w.pod, "Warning", "Unhealthy",
                absl::StrCat(ProbeName(static_cast<int>(probe.kind)), " probe failed: ", result.message));
  }
  const bool passed = probe.successes >= std::max(1, spec.success_threshold());
  const bool failed = probe.failures >= std::max(1, spec.failure_threshold());
  switch (probe.kind) {
    case Kind::kStartup:
      if (passed) {
        probe.retired = true;
        w.started = true;
        for (ProbeState& other : w.probes) other.next = std::max(other.next, now);
        Emit({w.of, ProbeOutcomeKind::kStarted, true, ""});
      } else if (failed) {
        probe.retired = true;
        Emit({w.of, ProbeOutcomeKind::kStartupFailed, false, result.message});
      }
      break;
    case Kind::kReadiness:
      if (passed && probe.result != true) {
        probe.result = true;
        Emit({w.of, ProbeOutcomeKind::kReady, true, ""});
      } else if (failed && probe.result != false) {
        probe.result = false;
        Emit({w.of, ProbeOutcomeKind::kUnready, false, result.message});
      }
      break;
    case Kind::kLiveness:
      if (failed) {
        probe.retired = true;  // the container is restarted: its next instance is probed afresh
        Emit({w.of, ProbeOutcomeKind::kLivenessFailed, false, result.message});
      }
      break;
  }
}

void Prober::RunProbes(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    absl::Time now = absl::Now();
    absl::Time next = now + absl::Seconds(10);
    std::string due_key;
    size_t due_index = 0;
    for (auto& [key, w] : watched_) {
      for (size_t i = 0; i < w.probes.size(); ++i) {
        const ProbeState& p = w.probes[i];
        if (p.retired || (!w.started && p.kind != Kind::kStartup)) continue;
        if (p.next < next) {
          next = p.next;
          due_key = key;
          due_index = i;
        }
      }
    }
    if (due_key.empty() || next > now) {
      uint64_t seen = generation_;
      changed_.wait_for(lock, stop, std::chrono::milliseconds(std::max<int64_t>(1, absl::ToInt64Milliseconds(next - now))),
                        [&] { return generation_ != seen; });
      continue;
    }
    Watched& w = watched_[due_key];
    api::Probe spec = w.probes[due_index].spec;
    CheckTarget target = w.target;
    ContainerInstance of = w.of;
    lock.unlock();
    CheckResult result = Check(spec, target);
    lock.lock();
    // The container may have ended or restarted while it was probed.
    auto it = watched_.find(due_key);
    if (it == watched_.end() || !(it->second.of == of) || due_index >= it->second.probes.size()) continue;
    Record(it->second, it->second.probes[due_index], result, absl::Now());
  }
}

void Prober::RunHooks(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    if (!changed_.wait(lock, stop, [&] { return !hooks_.empty(); })) return;
    HookJob job = std::move(hooks_.front());
    hooks_.pop_front();
    lock.unlock();
    const api::Lifecycle& lifecycle = job.target.container.lifecycle();
    bool post_start = job.kind == HookKind::kPostStart;
    CheckResult result = RunHandler(post_start ? lifecycle.post_start() : lifecycle.pre_stop(), job.target, job.timeout);
    if (!result.success) {
      spdlog::warn("runtime: {} hook of {}/{} container {} failed: {}", post_start ? "postStart" : "preStop",
                   job.pod.metadata().namespace_(), job.pod.metadata().name(), job.of.container, result.message);
      sink_.Event(job.pod, "Warning", post_start ? "FailedPostStartHook" : "FailedPreStopHook",
                  absl::StrCat(post_start ? "PostStartHook" : "PreStopHook", " failed: ", result.message));
    }
    lock.lock();
    Emit({job.of, post_start ? ProbeOutcomeKind::kPostStartDone : ProbeOutcomeKind::kPreStopDone, result.success,
          result.message});
  }
}

}  // namespace gantry::agent
