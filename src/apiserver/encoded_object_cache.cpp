#include "apiserver/encoded_object_cache.h"

#include "api/json_codec.h"
#include "apiserver/status_response.h"

namespace gantry::apiserver {

std::shared_ptr<const std::string> EncodedObjectCache::Get(
    const api::KindInfo& kind, const std::shared_ptr<const google::protobuf::Message>& object) {
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(object.get());
    if (it != entries_.end() && it->second.object.lock() == object) return it->second.json;
  }
  auto json = std::make_shared<const std::string>(DumpJson(api::EncodeObject(kind, *object)));
  absl::MutexLock lock(&mu_);
  entries_[object.get()] = Entry{object, json};
  order_.push_back(object.get());
  while (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  return json;
}

EncodedObjectCache& WatchEncodings() {
  static EncodedObjectCache* cache = new EncodedObjectCache(4096);
  return *cache;
}

}  // namespace gantry::apiserver
