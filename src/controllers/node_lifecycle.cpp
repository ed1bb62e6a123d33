#include "controllers/node_lifecycle.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/field_selector.h"
#include "api/kinds.h"
#include "api/node_conditions.h"
#include "api/pod_termination.h"
#include "api/tolerations.h"
#include "common/log_format.h"
#include "common/stoppable_sleep.h"
#include "common/time_format.h"

namespace gantry::controllers {
namespace {

const api::KindInfo& NodesKind() { return *api::FindKindByResource("", "v1", "nodes"); }
const api::KindInfo& PodsKind() { return *api::FindKindByResource("", "v1", "pods"); }

const api::Taint* UnreachableNoExecute(const api::Node& node) {
  for (const auto& t : node.spec().taints()) {
    if (t.key() == kUnreachableTaint && t.effect() == "NoExecute") return &t;
  }
  return nullptr;
}

// How long `pod` may stay on an unreachable node; nullopt: for ever.
std::optional<int64_t> TolerationSeconds(const api::Pod& pod, const api::Taint& taint, int64_t fallback) {
  for (const auto& tol : pod.spec().tolerations()) {
    if (!api::Tolerates(tol, taint)) continue;
    if (!tol.has_toleration_seconds()) return std::nullopt;
    return tol.toleration_seconds();
  }
  return fallback;
}

}  // namespace

NodeLifecycleController::NodeLifecycleController(store::Store& store, LastHeardFn last_heard,
                                                 NodeLifecycleOptions options)
    : store_(store), last_heard_(std::move(last_heard)), options_(options) {}

NodeLifecycleController::~NodeLifecycleController() { Stop(); }

void NodeLifecycleController::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    while (SleepUnlessStopped(stop, options_.period)) Reconcile(absl::Now());
  });
}

void NodeLifecycleController::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void NodeLifecycleController::Reconcile(absl::Time now) {
  auto nodes = store_.List(NodesKind(), {});
  if (!nodes.ok()) return;
  for (const auto& object : nodes->items) {
    const auto& node = static_cast<const api::Node&>(*object);
    const auto& annotations = node.metadata().annotations();
    if (!annotations.contains(api::kAgentAnnotation)) continue;
    const std::string& name = node.metadata().name();
    // A server that just started has heard no one yet: every node gets the
    // full grace period from the start.
    absl::Time heard = last_heard_(name).value_or(started_);
    bool silent = now - heard > options_.grace;
    const api::NodeCondition* ready = api::FindNodeCondition(node, "Ready");
    bool marked = ready != nullptr && ready->status() == "Unknown";
    const api::Taint* no_execute = UnreachableNoExecute(node);

    if (silent && (!marked || no_execute == nullptr)) {
      auto updated = std::make_unique<api::Node>(node);
      std::string stamp = Rfc3339(now);
      api::SetNodeCondition(*updated, "Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.");
      for (const char* effect : {"NoSchedule", "NoExecute"}) {
        bool present = false;
        for (const auto& t : updated->spec().taints()) present |= t.key() == kUnreachableTaint && t.effect() == effect;
        if (present) continue;
        api::Taint* t = updated->mutable_spec()->add_taints();
        t->set_key(kUnreachableTaint);
        t->set_effect(effect);
        t->set_time_added(stamp);
      }
      if (auto s = store_.Update(NodesKind(), std::move(updated)); s.ok()) {
        spdlog::warn("node lifecycle: node {} silent for {}: NotReady, tainted unreachable", name,
                     absl::FormatDuration(now - heard));
      }
      continue;
    }
    if (!silent && no_execute != nullptr) {
      auto updated = std::make_unique<api::Node>(node);
      auto* taints = updated->mutable_spec()->mutable_taints();
      for (int i = taints->size() - 1; i >= 0; --i) {
        if (taints->Get(i).key() == kUnreachableTaint) taints->DeleteSubrange(i, 1);
      }
      if (store_.Update(NodesKind(), std::move(updated)).ok()) {
        spdlog::info("node lifecycle: node {} is back; unreachable taints removed", name);
      }
      continue;
    }
    if (silent && no_execute != nullptr) {
      EvictIntolerant(node, ParseRfc3339(no_execute->time_added()).value_or(now), now);
    }
  }
}

void NodeLifecycleController::EvictIntolerant(const api::Node& node, absl::Time tainted_at, absl::Time now) {
  store::ListOptions options;
  auto fields = api::FieldSelector::Parse(absl::StrCat("spec.nodeName=", node.metadata().name()));
  if (!fields.ok()) return;
  options.fields = *std::move(fields);
  auto pods = store_.List(PodsKind(), options);
  if (!pods.ok()) return;
  const api::Taint& taint = *UnreachableNoExecute(node);
  for (const auto& object : pods->items) {
    const auto& pod = static_cast<const api::Pod&>(*object);
    if (!pod.metadata().deletion_timestamp().empty()) continue;
    auto seconds = TolerationSeconds(pod, taint, options_.default_toleration_seconds);
    if (!seconds || now - tainted_at < absl::Seconds(*seconds)) continue;
    // Graceful deletion: the pod stays Terminating until its node confirms
    // (or an admin removes it with --grace-period=0).
    auto marked = std::make_unique<api::Pod>(pod);
    api::MarkForDeletion(marked.get(), api::DefaultGracePeriod(pod), now);
    if (store_.Update(PodsKind(), std::move(marked)).ok()) {
      spdlog::warn("node lifecycle: evicting {}/{} from unreachable node {}", pod.metadata().namespace_(),
                   pod.metadata().name(), node.metadata().name());
    }
  }
}

}  // namespace gantry::controllers
