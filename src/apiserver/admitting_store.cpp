#include "apiserver/admitting_store.h"

#include <absl/container/flat_hash_set.h>
#include <google/protobuf/util/message_differencer.h>

#include "api/defaults.h"
#include "api/object_meta.h"
#include "api/validation.h"
#include "apiserver/new_object.h"

namespace gantry::apiserver {
namespace {

bool SpecChanged(const google::protobuf::Message& now, const google::protobuf::Message& before) {
  const auto* spec = now.GetDescriptor()->FindFieldByName("spec");
  return spec != nullptr && !google::protobuf::util::MessageDifferencer::Equals(
                                now.GetReflection()->GetMessage(now, spec), before.GetReflection()->GetMessage(before, spec));
}

}  // namespace

absl::Status AdmittingStore::Admit(store::WriteOp& op) const {
  const api::KindInfo& kind = *op.kind;
  if (op.type == store::WriteOp::Type::kCreate) {
    AssignServerFields(kind, op.object.get());
    api::ApplyDefaults(kind, op.object.get());
    if (auto s = api::Validate(kind, *op.object, nullptr); !s.ok()) return s;
    if (auto s = admission_.AdmitCreate(kind, op.object.get()); !s.ok()) return s;
    op.name = api::MetaOf(*op.object).name();
    return absl::OkStatus();
  }
  if (op.type != store::WriteOp::Type::kUpdate) return absl::OkStatus();
  auto current = store_.Get(kind, op.namespace_, op.name);
  if (!current.ok()) return current.status();
  const api::ObjectMeta& before = api::MetaOf(**current);
  api::ObjectMeta* meta = api::MutableMetaOf(op.object.get());
  meta->set_uid(before.uid());
  meta->set_creation_timestamp(before.creation_timestamp());
  meta->set_generation(before.generation() + (SpecChanged(*op.object, **current) ? 1 : 0));
  api::ApplyDefaults(kind, op.object.get());
  return api::Validate(kind, *op.object, current->get());
}

std::vector<absl::StatusOr<store::ObjectPtr>> AdmittingStore::Commit(std::vector<store::WriteOp> ops) {
  std::vector<absl::StatusOr<store::ObjectPtr>> results(ops.size(), absl::UnknownError("not written"));
  std::vector<absl::Status> verdicts;
  absl::flat_hash_set<uint32_t> refused_groups;
  for (store::WriteOp& op : ops) {
    verdicts.push_back(Admit(op));
    if (!verdicts.back().ok() && op.all_or_nothing_group != 0) refused_groups.insert(op.all_or_nothing_group);
  }
  std::vector<store::WriteOp> admitted;
  std::vector<size_t> slots;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!verdicts[i].ok()) {
      results[i] = verdicts[i];
      continue;
    }
    if (refused_groups.contains(ops[i].all_or_nothing_group)) {
      results[i] = absl::AbortedError("another write of its all-or-nothing group was refused");
      continue;
    }
    admitted.push_back(std::move(ops[i]));
    slots.push_back(i);
  }
  if (admitted.empty()) return results;
  auto written = store_.Commit(std::move(admitted));
  for (size_t i = 0; i < slots.size(); ++i) results[slots[i]] = std::move(written[i]);
  return results;
}

}  // namespace gantry::apiserver
