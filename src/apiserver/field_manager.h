// Field ownership, as Kubernetes keeps it in metadata.managedFields: every
// write records which manager set which fields, so that server-side apply
// can remove what a manager stopped applying and refuse (409) to change a
// field another manager set to a different value unless forced.
#pragma once

#include <absl/status/statusor.h>
#include <absl/time/time.h>
#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>

#include <string>

#include "api/kinds.h"
#include "meta.pb.h"

namespace gantry::apiserver {

struct FieldOwner {
  std::string manager;
  std::string subresource;  // "status" or empty
};

// The owner a request names: ?fieldManager, else the product of its
// User-Agent (as kube-apiserver derives it). Invalid when longer than 128.
absl::StatusOr<FieldOwner> FieldOwnerOf(const std::string& field_manager, const std::string& user_agent,
                                        const std::string& subresource);

// Sets `after`'s managedFields from `before`'s (nullptr for a create): the
// owner's Update entry gains the fields whose values it changed, every other
// entry loses them, and fields that are gone are owned by nobody. A write
// that changes nothing leaves the entries as they were.
void RecordUpdate(const api::KindInfo& kind, const google::protobuf::Message* before, google::protobuf::Message* after,
                  const FieldOwner& owner, absl::Time now);

using ManagedFields = google::protobuf::RepeatedPtrField<api::ManagedFieldsEntry>;

struct AppliedObject {
  nlohmann::json object;  // without metadata.managedFields
  ManagedFields managed_fields;
};

// Server-side apply of `config` by `owner` to `live` (an empty object when
// it does not exist yet) in JSON form, whose managers are `live_managers`.
// The result is the merged object and its new managedFields: fields the
// owner applied before and no longer applies are removed unless another
// manager owns them. A Conflict error lists every field another manager owns
// with a different value; with `force` the owner takes them over instead.
absl::StatusOr<AppliedObject> ApplyConfiguration(const api::KindInfo& kind, const nlohmann::json& live,
                                                 const ManagedFields& live_managers, nlohmann::json config,
                                                 const FieldOwner& owner, bool force, absl::Time now);

}  // namespace gantry::apiserver
