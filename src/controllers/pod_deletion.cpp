#include "controllers/pod_deletion.h"

#include "api/pod_termination.h"

namespace gantry::controllers {

store::WriteOp PodDeletionOp(const api::Pod& pod, absl::Time now) {
  static const api::KindInfo& pods = *api::FindKindByResource("", "v1", "pods");
  store::WriteOp op;
  op.kind = &pods;
  op.namespace_ = pod.metadata().namespace_();
  op.name = pod.metadata().name();
  int64_t grace = api::DefaultGracePeriod(pod);
  if (!pod.spec().node_name().empty() && grace > 0) {
    auto marked = std::make_unique<api::Pod>(pod);
    api::MarkForDeletion(marked.get(), grace, now);
    op.type = store::WriteOp::Type::kUpdate;
    op.object = std::move(marked);
  } else {
    op.type = store::WriteOp::Type::kDelete;
    op.preconditions.uid = pod.metadata().uid();
  }
  return op;
}

absl::Status DeletePod(store::Store& store, const api::Pod& pod, absl::Time now) {
  if (!pod.metadata().deletion_timestamp().empty()) return absl::OkStatus();
  std::vector<store::WriteOp> ops;
  ops.push_back(PodDeletionOp(pod, now));
  auto results = store.Commit(std::move(ops));
  if (!results[0].ok() && !absl::IsNotFound(results[0].status())) return results[0].status();
  return absl::OkStatus();
}

}  // namespace gantry::controllers
