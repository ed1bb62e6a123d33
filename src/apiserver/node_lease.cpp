#include "apiserver/node_lease.h"

#include "api/kinds.h"
#include "common/time_format.h"
#include "coordination.pb.h"

namespace gantry::apiserver {

absl::Status RenewNodeLease(store::Store& store, const api::Node& node, absl::Time now) {
  static const api::KindInfo& leases = *api::FindKindByResource("coordination.k8s.io", "v1", "leases");
  const std::string& name = node.metadata().name();
  auto current = store.Get(leases, kNodeLeaseNamespace, name);
  if (current.ok()) {
    const auto& lease = static_cast<const api::Lease&>(**current);
    auto renewed = ParseRfc3339(lease.spec().renew_time());
    if (renewed && now - *renewed < absl::Seconds(kNodeLeaseSeconds) / 4 - absl::Seconds(1)) return absl::OkStatus();
    auto updated = std::make_unique<api::Lease>(lease);
    updated->mutable_spec()->set_renew_time(Rfc3339Micro(now));
    updated->mutable_spec()->set_holder_identity(name);
    return store.Update(leases, std::move(updated)).status();  // a conflict: another renewal won
  }
  if (current.status().code() != absl::StatusCode::kNotFound) return current.status();
  auto lease = std::make_unique<api::Lease>();
  lease->mutable_metadata()->set_name(name);
  lease->mutable_metadata()->set_namespace_(kNodeLeaseNamespace);
  lease->mutable_metadata()->set_creation_timestamp(Rfc3339(now));
  auto* owner = lease->mutable_metadata()->add_owner_references();
  owner->set_api_version("v1");
  owner->set_kind("Node");
  owner->set_name(name);
  owner->set_uid(node.metadata().uid());
  lease->mutable_spec()->set_holder_identity(name);
  lease->mutable_spec()->set_lease_duration_seconds(kNodeLeaseSeconds);
  lease->mutable_spec()->set_renew_time(Rfc3339Micro(now));
  auto created = store.Create(leases, std::move(lease));
  if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists) return created.status();
  return absl::OkStatus();
}

}  // namespace gantry::apiserver
