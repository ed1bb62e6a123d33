#include "controllers/owned_objects.h"

#include <absl/strings/str_split.h>

#include <algorithm>

#include "api/label_selector.h"
#include "api/object_meta.h"
#include "api/pod_template.h"

namespace gantry::controllers {

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  std::pair<std::string, std::string> parts = absl::StrSplit(key, absl::MaxSplits('/', 1));
  return parts;
}

absl::StatusOr<std::vector<store::ObjectPtr>> ListControlled(const store::Store& store, const api::KindInfo& kind,
                                                             const std::string& namespace_,
                                                             const api::LabelSelector& selector,
                                                             const std::string& owner_uid) {
  auto matcher = api::LabelMatcher::FromProto(selector);
  if (!matcher.ok()) return matcher.status();
  store::ListOptions options;
  options.namespace_ = namespace_;
  options.labels = *std::move(matcher);
  auto list = store.List(kind, options);
  if (!list.ok()) return list.status();
  std::vector<store::ObjectPtr> owned;
  for (auto& item : list->items) {
    if (api::IsControlledBy(api::MetaOf(*item), owner_uid)) owned.push_back(std::move(item));
  }
  return owned;
}

store::Preconditions UidPrecondition(const std::string& uid) {
  store::Preconditions preconditions;
  preconditions.uid = uid;
  return preconditions;
}

CreateOutcome CreateInSlowStartBatches(store::Store& store, const api::KindInfo& kind,
                                       std::vector<std::unique_ptr<google::protobuf::Message>> objects) {
  CreateOutcome outcome;
  size_t next = 0;
  for (size_t batch = 1; next < objects.size(); batch *= 2) {
    std::vector<store::WriteOp> ops;
    for (size_t end = std::min(objects.size(), next + batch); next < end; ++next) {
      store::WriteOp op;
      op.type = store::WriteOp::Type::kCreate;
      op.kind = &kind;
      op.namespace_ = api::MetaOf(*objects[next]).namespace_();
      op.object = std::move(objects[next]);
      ops.push_back(std::move(op));
    }
    for (auto& result : store.Commit(std::move(ops))) {
      if (result.ok()) {
        ++outcome.created;
      } else if (outcome.first_error.ok()) {
        outcome.first_error = result.status();
      }
    }
    if (!outcome.first_error.ok()) break;
  }
  return outcome;
}

}  // namespace gantry::controllers
