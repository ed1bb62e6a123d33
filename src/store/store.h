// The revisioned object store every other room sees: get, list, create,
// update (compare-and-swap on resourceVersion), delete with preconditions,
// a batch form for the binder, and watch from a revision.
#pragma once

#include <absl/status/statusor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/field_selector.h"
#include "api/kinds.h"
#include "api/label_selector.h"
#include "store/watch_stream.h"

namespace gantry::store {

using ObjectPtr = std::shared_ptr<const google::protobuf::Message>;

struct ListOptions {
  std::string namespace_;  // empty: all namespaces
  api::LabelMatcher labels;
  api::FieldSelector fields;
  // Pagination: at most `limit` items (0: all), starting after the key
  // "namespace/name" (or "name") `start_after`.
  int64_t limit = 0;
  std::string start_after;
};

struct ListResult {
  std::vector<ObjectPtr> items;
  int64_t revision = 0;
  // Set when `limit` cut the list short: the key of its last item.
  std::string continue_after;
};

struct Preconditions {
  std::string uid;               // empty: any
  std::string resource_version;  // empty: any
};

// One write of a batch. Create and Update carry the new object (its
// metadata.resourceVersion, when set, is the CAS expectation of Update).
struct WriteOp {
  enum class Type { kCreate, kUpdate, kDelete };
  Type type = Type::kCreate;
  const api::KindInfo* kind = nullptr;
  std::string namespace_;
  std::string name;
  std::unique_ptr<google::protobuf::Message> object;
  Preconditions preconditions;  // for kDelete
  // Ops of one Commit call with the same nonzero group succeed or fail
  // together (a gang's bindings); 0 means the op stands alone.
  uint32_t all_or_nothing_group = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual absl::StatusOr<ObjectPtr> Get(const api::KindInfo& kind, absl::string_view namespace_,
                                        absl::string_view name) const = 0;
  virtual absl::StatusOr<ListResult> List(const api::KindInfo& kind,
                                          const ListOptions& options) const = 0;
  // Each op succeeds or fails on its own, except that ops sharing an
  // all_or_nothing_group all fail (Aborted, naming the first failure) when
  // one does; all that succeed commit together, and return only once
  // durable: no crash can persist part of a group.
  virtual std::vector<absl::StatusOr<ObjectPtr>> Commit(std::vector<WriteOp> ops) = 0;
  // Events with revision > from_revision; from_revision 0 starts with the
  // current objects as ADDED. Expired (410) when that history is gone.
  virtual absl::StatusOr<std::shared_ptr<WatchStream>> Watch(const api::KindInfo& kind,
                                                             ListOptions options,
                                                             int64_t from_revision) = 0;
  virtual int64_t CurrentRevision() const = 0;

  absl::StatusOr<ObjectPtr> Create(const api::KindInfo& kind,
                                   std::unique_ptr<google::protobuf::Message> object);
  absl::StatusOr<ObjectPtr> Update(const api::KindInfo& kind,
                                   std::unique_ptr<google::protobuf::Message> object);
  absl::StatusOr<ObjectPtr> Delete(const api::KindInfo& kind, absl::string_view namespace_,
                                   absl::string_view name, Preconditions preconditions = {});
};

}  // namespace gantry::store
