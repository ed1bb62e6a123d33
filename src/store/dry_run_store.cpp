#include "store/dry_run_store.h"

#include <absl/container/flat_hash_set.h>

#include "api/object_meta.h"
#include "store/write_check.h"

namespace gantry::store {

absl::StatusOr<ObjectPtr> DryRunStore::Get(const api::KindInfo& kind, absl::string_view namespace_,
                                           absl::string_view name) const {
  return real_.Get(kind, namespace_, name);
}

absl::StatusOr<ListResult> DryRunStore::List(const api::KindInfo& kind, const ListOptions& options) const {
  return real_.List(kind, options);
}

absl::StatusOr<std::shared_ptr<WatchStream>> DryRunStore::Watch(const api::KindInfo& kind, ListOptions options,
                                                                int64_t from_revision) {
  return real_.Watch(kind, std::move(options), from_revision);
}

int64_t DryRunStore::CurrentRevision() const { return real_.CurrentRevision(); }

std::vector<absl::StatusOr<ObjectPtr>> DryRunStore::Commit(std::vector<WriteOp> ops) {
  std::vector<absl::StatusOr<ObjectPtr>> results;
  absl::flat_hash_set<uint32_t> failed_groups;
  for (WriteOp& op : ops) {
    auto current = real_.Get(*op.kind, op.namespace_, op.name);
    if (!current.ok() && current.status().code() != absl::StatusCode::kNotFound) {
      results.push_back(current.status());
      continue;
    }
    const google::protobuf::Message* now = current.ok() ? current->get() : nullptr;
    if (absl::Status s = CheckWrite(op, now, op.kind->QualifiedResource()); !s.ok()) {
      if (op.all_or_nothing_group != 0) failed_groups.insert(op.all_or_nothing_group);
      results.push_back(s);
      continue;
    }
    if (op.type == WriteOp::Type::kDelete) {
      results.push_back(*current);
      continue;
    }
    // A dry-run create has no resourceVersion yet; an update keeps the current one.
    api::MutableMetaOf(op.object.get())->set_resource_version(now != nullptr ? api::MetaOf(*now).resource_version() : "");
    results.push_back(ObjectPtr(std::move(op.object)));
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    if (results[i].ok() && failed_groups.contains(ops[i].all_or_nothing_group)) {
      results[i] = absl::AbortedError("dry run: another write of the group failed");
    }
  }
  return results;
}

}  // namespace gantry::store
