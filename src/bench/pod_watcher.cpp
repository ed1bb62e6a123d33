#include "bench/pod_watcher.h"

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include <algorithm>

namespace gantry::bench {

PodWatcher::PodWatcher(ctl::ConnectionOptions connection, std::string ns, int64_t from, int expected, Until until)
    : connection_(std::move(connection)), ns_(std::move(ns)), revision_(from), expected_(expected), until_(until) {
  // Sized for every pod up front: growing these tables mid-run (at ~115k,
  // 230k, 460k pods) stalls the watch while the new table is faulted in,
  // and the stall would count as the server's latency.
  absl::MutexLock lock(&mu_);
  size_t pods = static_cast<size_t>(std::max(expected, 0));
  bound_.reserve(pods);
  nodes_.reserve(pods);
  if (until_ == Until::kRunning) running_.reserve(pods);
}

PodWatcher::~PodWatcher() { Stop(); }

void PodWatcher::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

size_t PodWatcher::Reached() const { return until_ == Until::kBound ? bound_.size() : running_.size(); }

bool PodWatcher::Wait(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return static_cast<int>(Reached()) >= expected_; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

void PodWatcher::Stop() {
  thread_.request_stop();
  stopped_ = true;
  if (thread_.joinable()) thread_.join();
}

absl::flat_hash_map<std::string, PodWatcher::Clock::time_point> PodWatcher::bound() {
  absl::MutexLock lock(&mu_);
  return bound_;
}

absl::flat_hash_map<std::string, PodWatcher::Clock::time_point> PodWatcher::running() {
  absl::MutexLock lock(&mu_);
  return running_;
}

void PodWatcher::SetExpected(int expected) {
  absl::MutexLock lock(&mu_);
  expected_ = expected;
}

int PodWatcher::rebinds() {
  absl::MutexLock lock(&mu_);
  return rebinds_;
}

size_t PodWatcher::count() {
  absl::MutexLock lock(&mu_);
  return Reached();
}

void PodWatcher::Run(std::stop_token stop) {
  // One kept-alive connection for the 2 s watches; another only after a failure.
  std::unique_ptr<ctl::ApiClient> client;
  while (!stop.stop_requested()) {
    if (client == nullptr) {
      auto connected = ctl::ApiClient::Connect(connection_);
      if (!connected.ok()) {
        absl::SleepFor(absl::Milliseconds(200));
        continue;
      }
      client = *std::move(connected);
    }
    std::string path = absl::StrCat("/api/v1/namespaces/", ns_, "/pods?watch=true&timeoutSeconds=2",
                                    "&resourceVersion=", revision_);
    absl::Status streamed = client->Stream(path, "application/json", [&](const std::string& line) {
      auto event = nlohmann::json::parse(line, nullptr, false);
      if (!event.is_object() || !event.contains("object")) return !stopped_;
      const auto& object = event["object"];
      const auto& meta = object["metadata"];
      revision_ = std::stoll(meta.value("resourceVersion", "0"));
      std::string name = meta.value("name", "");
      auto now = Clock::now();
      absl::MutexLock lock(&mu_);
      std::string node = object.contains("spec") ? object["spec"].value("nodeName", "") : "";
      if (!node.empty()) {
        bound_.try_emplace(name, now);
        auto [seen, first] = nodes_.try_emplace(name, node);
        if (!first && seen->second != node) {
          ++rebinds_;
          seen->second = node;
        }
      }
      if (object.contains("status") && object["status"].value("phase", "") == "Running") running_.try_emplace(name, now);
      return !stopped_ && static_cast<int>(Reached()) < expected_;
    });
    if (!streamed.ok()) client.reset();
    absl::MutexLock lock(&mu_);
    if (static_cast<int>(Reached()) >= expected_) return;
  }
}

}  // namespace gantry::bench
