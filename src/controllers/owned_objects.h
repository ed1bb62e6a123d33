// What the workload controllers do alike with the objects they own: find
// them, create them in slow-start batches, and split "namespace/name" keys.
#pragma once

#include <absl/status/statusor.h>
#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "meta.pb.h"
#include "store/store.h"

namespace gantry::controllers {

// "ns/name" -> {"ns", "name"}.
std::pair<std::string, std::string> SplitKey(const std::string& key);

// The objects of `kind` in `namespace_` that `selector` selects and whose
// controller is the object with `owner_uid`.
absl::StatusOr<std::vector<store::ObjectPtr>> ListControlled(const store::Store& store, const api::KindInfo& kind,
                                                             const std::string& namespace_,
                                                             const api::LabelSelector& selector,
                                                             const std::string& owner_uid);

// Deletes only the object with this uid, not one recreated under its name.
store::Preconditions UidPrecondition(const std::string& uid);

struct CreateOutcome {
  int created = 0;
  absl::Status first_error;
};

// Creates `objects` in batches of 1, 2, 4, ... (as Kubernetes' controllers
// do): a batch with a failure stops the rest, so a create that cannot
// succeed (a quota, a bad template) costs one request, not thousands.
CreateOutcome CreateInSlowStartBatches(store::Store& store, const api::KindInfo& kind,
                                       std::vector<std::unique_ptr<google::protobuf::Message>> objects);

}  // namespace gantry::controllers
