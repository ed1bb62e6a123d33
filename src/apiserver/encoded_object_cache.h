// A watch event goes to every watcher of its kind; encoding the object anew
// for each of 10,000 watchers would cost more than sending it. This keeps the
// JSON of recently encoded stored objects, keyed by the (immutable, shared)
// stored version, so each version is encoded about once.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>
#include <google/protobuf/message.h>

#include <deque>
#include <memory>
#include <string>

#include "api/kinds.h"

namespace gantry::apiserver {

class EncodedObjectCache {
 public:
  explicit EncodedObjectCache(size_t capacity) : capacity_(capacity) {}

  // The object as api::EncodeObject would give it, serialized.
  std::shared_ptr<const std::string> Get(const api::KindInfo& kind,
                                         const std::shared_ptr<const google::protobuf::Message>& object);

 private:
  struct Entry {
    std::weak_ptr<const google::protobuf::Message> object;  // expired: the address may be reused
    std::shared_ptr<const std::string> json;
  };
  const size_t capacity_;
  absl::Mutex mu_;
  absl::flat_hash_map<const google::protobuf::Message*, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<const google::protobuf::Message*> order_ ABSL_GUARDED_BY(mu_);
};

// The cache every watch stream of this process shares.
EncodedObjectCache& WatchEncodings();

}  // namespace gantry::apiserver
