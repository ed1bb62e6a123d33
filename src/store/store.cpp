#include "store/store.h"

#include "api/object_meta.h"

namespace gantry::store {

namespace {
absl::StatusOr<ObjectPtr> CommitOne(Store* store, WriteOp op) {
  std::vector<WriteOp> ops;
  ops.push_back(std::move(op));
  return std::move(store->Commit(std::move(ops))[0]);
}
}  // namespace

absl::StatusOr<ObjectPtr> Store::Create(const api::KindInfo& kind,
                                        std::unique_ptr<google::protobuf::Message> object) {
  const api::ObjectMeta& meta = api::MetaOf(*object);
  WriteOp op{WriteOp::Type::kCreate, &kind, meta.namespace_(), meta.name(), std::move(object), {}};
  return CommitOne(this, std::move(op));
}

absl::StatusOr<ObjectPtr> Store::Update(const api::KindInfo& kind,
                                        std::unique_ptr<google::protobuf::Message> object) {
  const api::ObjectMeta& meta = api::MetaOf(*object);
  WriteOp op{WriteOp::Type::kUpdate, &kind, meta.namespace_(), meta.name(), std::move(object), {}};
  return CommitOne(this, std::move(op));
}

absl::StatusOr<ObjectPtr> Store::Delete(const api::KindInfo& kind, absl::string_view namespace_,
                                        absl::string_view name, Preconditions preconditions) {
  WriteOp op{WriteOp::Type::kDelete, &kind, std::string(namespace_), std::string(name), nullptr,
             std::move(preconditions)};
  return CommitOne(this, std::move(op));
}

}  // namespace gantry::store
