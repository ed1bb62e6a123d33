#include "store/write_check.h"

#include <absl/strings/str_cat.h>

#include "api/errors.h"
#include "api/object_meta.h"

namespace gantry::store {

absl::Status CheckWrite(const WriteOp& op, const google::protobuf::Message* current, absl::string_view resource) {
  const api::ObjectMeta* cur_meta = current != nullptr ? &api::MetaOf(*current) : nullptr;
  switch (op.type) {
    case WriteOp::Type::kCreate:
      if (current != nullptr) return api::AlreadyExistsError(resource, op.name);
      return absl::OkStatus();
    case WriteOp::Type::kUpdate: {
      const api::ObjectMeta& meta = api::MetaOf(*op.object);
      if (current == nullptr) return api::NotFoundError(resource, op.name);
      if (!meta.resource_version().empty() && meta.resource_version() != cur_meta->resource_version()) {
        return api::ConflictError(resource, op.name,
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again");
      }
      if (!meta.uid().empty() && meta.uid() != cur_meta->uid()) {
        return api::ConflictError(resource, op.name, "the object's UID changed (it was recreated)");
      }
      return absl::OkStatus();
    }
    case WriteOp::Type::kDelete:
      if (current == nullptr) return api::NotFoundError(resource, op.name);
      if (!op.preconditions.uid.empty() && op.preconditions.uid != cur_meta->uid()) {
        return api::ConflictError(resource, op.name,
                                  absl::StrCat("Precondition failed: UID in precondition: ", op.preconditions.uid,
                                               ", UID in object meta: ", cur_meta->uid()));
      }
      if (!op.preconditions.resource_version.empty() &&
          op.preconditions.resource_version != cur_meta->resource_version()) {
        return api::ConflictError(resource, op.name,
                                  absl::StrCat("Precondition failed: ResourceVersion in precondition: ",
                                               op.preconditions.resource_version,
                                               ", ResourceVersion in object meta: ", cur_meta->resource_version()));
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace gantry::store
