#include "controllers/namespace_lifecycle.h"

#include <spdlog/spdlog.h>

#include "api/kinds.h"
#include "api/object_meta.h"
#include "api/pod_termination.h"
#include "common/log_format.h"
#include "common/stoppable_sleep.h"
#include "core.pb.h"

namespace gantry::controllers {

NamespaceLifecycleController::NamespaceLifecycleController(store::Store& store, absl::Duration period)
    : store_(store), period_(period) {}

NamespaceLifecycleController::~NamespaceLifecycleController() { Stop(); }

void NamespaceLifecycleController::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    while (SleepUnlessStopped(stop, period_)) Reconcile(absl::Now());
  });
}

void NamespaceLifecycleController::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void NamespaceLifecycleController::Reconcile(absl::Time now) {
  static const api::KindInfo& namespaces = *api::FindKindByResource("", "v1", "namespaces");
  auto list = store_.List(namespaces, {});
  if (!list.ok()) {
    spdlog::warn("namespace lifecycle: cannot list namespaces: {}", list.status());
    return;
  }
  for (const auto& object : list->items) {
    const api::ObjectMeta& meta = api::MetaOf(*object);
    if (meta.deletion_timestamp().empty()) continue;
    auto remaining = DrainNamespace(meta.name(), now);
    if (!remaining.ok()) {
      spdlog::warn("namespace lifecycle: deleting the contents of {}: {}", meta.name(), remaining.status());
      continue;
    }
    if (*remaining > 0) continue;
    store::Preconditions same_namespace;
    same_namespace.uid = meta.uid();
    auto gone = store_.Delete(namespaces, "", meta.name(), same_namespace);
    if (!gone.ok() && gone.status().code() != absl::StatusCode::kNotFound) {
      spdlog::warn("namespace lifecycle: deleting namespace {}: {}", meta.name(), gone.status());
    }
  }
}

absl::StatusOr<size_t> NamespaceLifecycleController::DrainNamespace(const std::string& namespace_,
                                                                    absl::Time now) {
  size_t remaining = 0;
  for (const api::KindInfo& kind : api::AllKinds()) {
    if (!kind.namespaced) continue;
    store::ListOptions options;
    options.namespace_ = namespace_;
    auto list = store_.List(kind, options);
    if (!list.ok()) return list.status();
    remaining += list->items.size();
    for (const auto& object : list->items) {
      const api::ObjectMeta& meta = api::MetaOf(*object);
      if (!meta.deletion_timestamp().empty()) continue;  // a pod already terminating on its node
      absl::Status done;
      if (kind.kind == "Pod" && !static_cast<const api::Pod&>(*object).spec().node_name().empty()) {
        const auto& pod = static_cast<const api::Pod&>(*object);
        auto marked = std::make_unique<api::Pod>(pod);
        api::MarkForDeletion(marked.get(), api::DefaultGracePeriod(pod), now);
        done = store_.Update(kind, std::move(marked)).status();
      } else {
        done = store_.Delete(kind, namespace_, meta.name()).status();
      }
      if (!done.ok() && done.code() != absl::StatusCode::kNotFound && done.code() != absl::StatusCode::kAborted) {
        return done;
      }
    }
  }
  return remaining;
}

}  // namespace gantry::controllers
