#include "controllers/namespace_lifecycle.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "api/kinds.h"
#include "api/object_meta.h"
#include "api/pod_termination.h"
#include "common/log_format.h"
#include "core.pb.h"

namespace gantry::controllers {

namespace {

const api::KindInfo& NamespacesKind() { return *api::FindKindByResource("", "v1", "namespaces"); }


}  // namespace

NamespaceLifecycleController::NamespaceLifecycleController(store::Store& store) : store_(store) {}

NamespaceLifecycleController::~NamespaceLifecycleController() { Stop(); }

absl::Status NamespaceLifecycleController::Start() {
  auto namespaces = store_.Watch(NamespacesKind(), {}, 0);
  if (!namespaces.ok()) return namespaces.status();
  auto pods = store_.Watch(*api::FindKindByResource("", "v1", "pods"), {}, 0);
  if (!pods.ok()) return pods.status();
  streams_ = {*namespaces, *pods};
  watches_.emplace_back([this, s = *namespaces](std::stop_token stop) {
    store::FollowWatchLoggingEnd(stop, *s, "namespace lifecycle", [this](const store::WatchEvent& e) {
      const api::ObjectMeta& meta = api::MetaOf(*e.object);
      std::lock_guard lock(mu_);
      if (e.type == store::WatchEvent::Type::kDeleted) {
        terminating_.erase(meta.name());
      } else if (!meta.deletion_timestamp().empty()) {
        terminating_.insert(meta.name());
        Mark(meta.name());
      }
    });
  });
  watches_.emplace_back([this, s = *pods](std::stop_token stop) {
    store::FollowWatchLoggingEnd(stop, *s, "namespace lifecycle", [this](const store::WatchEvent& e) {
      if (e.type != store::WatchEvent::Type::kDeleted) return;
      const std::string& ns = api::MetaOf(*e.object).namespace_();
      std::lock_guard lock(mu_);
      if (terminating_.contains(ns)) Mark(ns);
    });
  });
  loop_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  return absl::OkStatus();
}

void NamespaceLifecycleController::Stop() {
  loop_.request_stop();
  for (auto& w : watches_) w.request_stop();
  for (const auto& s : streams_) s->Cancel();
  if (loop_.joinable()) loop_.join();
  watches_.clear();
}

void NamespaceLifecycleController::Mark(const std::string& name) {
  dirty_.push_back(name);
  wake_.notify_one();
}

void NamespaceLifecycleController::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::vector<std::string> work;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, stop, [this] { return !dirty_.empty(); });
      work.swap(dirty_);
    }
    std::sort(work.begin(), work.end());
    work.erase(std::unique(work.begin(), work.end()), work.end());
    for (const std::string& name : work) Reconcile(name, absl::Now(), stop);
  }
}

void NamespaceLifecycleController::Reconcile(const std::string& name, absl::Time now, std::stop_token stop) {
  auto current = store_.Get(NamespacesKind(), "", name);
  if (!current.ok()) return;
  const api::ObjectMeta& meta = api::MetaOf(**current);
  if (meta.deletion_timestamp().empty()) return;
  auto remaining = DrainNamespace(name, now, stop);
  if (absl::IsCancelled(remaining.status())) return;
  if (!remaining.ok()) {
    spdlog::warn("namespace lifecycle: deleting the contents of {}: {}", name, remaining.status());
    std::lock_guard lock(mu_);
    Mark(name);  // looked at again; a conflict was a concurrent change
    return;
  }
  if (*remaining > 0) return;  // its terminating pods' deletions wake it
  store::Preconditions same_namespace;
  same_namespace.uid = meta.uid();
  auto gone = store_.Delete(NamespacesKind(), "", name, same_namespace);
  if (!gone.ok() && gone.status().code() != absl::StatusCode::kNotFound) {
    spdlog::warn("namespace lifecycle: deleting namespace {}: {}", name, gone.status());
  }
}

absl::StatusOr<size_t> NamespaceLifecycleController::DrainNamespace(const std::string& namespace_,
                                                                    absl::Time now, std::stop_token stop) {
  // As many writes per commit as the store batches: a namespace of 800,000
  // pods drained one acknowledged write at a time took many minutes, and a
  // SIGTERM waited for all of it.
  constexpr size_t kWritesPerCommit = 1000;
  size_t remaining = 0;
  std::vector<store::WriteOp> ops;
  auto commit = [&]() -> absl::Status {
    std::vector<store::WriteOp> batch;
    batch.swap(ops);
    for (const auto& done : store_.Commit(std::move(batch))) {
      if (!done.ok() && done.status().code() != absl::StatusCode::kNotFound) return done.status();
    }
    if (stop.stop_requested()) return absl::CancelledError("stopping");
    return absl::OkStatus();
  };
  for (const api::KindInfo& kind : api::AllKinds()) {
    if (!kind.namespaced) continue;
    store::ListOptions options;
    options.namespace_ = namespace_;
    auto list = store_.List(kind, options);
    if (!list.ok()) return list.status();
    for (const auto& object : list->items) {
      const api::ObjectMeta& meta = api::MetaOf(*object);
      store::WriteOp op;
      op.kind = &kind;
      op.namespace_ = namespace_;
      op.name = meta.name();
      if (kind.kind == "Pod" && !static_cast<const api::Pod&>(*object).spec().node_name().empty()) {
        ++remaining;  // until its node confirms; its deletion wakes the controller
        if (!meta.deletion_timestamp().empty()) continue;
        const auto& pod = static_cast<const api::Pod&>(*object);
        auto marked = std::make_unique<api::Pod>(pod);
        api::MarkForDeletion(marked.get(), api::DefaultGracePeriod(pod), now);
        op.type = store::WriteOp::Type::kUpdate;
        op.object = std::move(marked);
      } else {
        op.type = store::WriteOp::Type::kDelete;
      }
      ops.push_back(std::move(op));
      if (ops.size() == kWritesPerCommit) {
        if (auto s = commit(); !s.ok()) return s;
      }
    }
    if (!ops.empty()) {
      if (auto s = commit(); !s.ok()) return s;
    }
  }
  return remaining;
}

}  // namespace gantry::controllers
