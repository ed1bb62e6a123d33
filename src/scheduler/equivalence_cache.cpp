#include "scheduler/equivalence_cache.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace gantry::scheduler {

std::string EquivalenceCache::ClassOf(const api::PodSpec& spec) {
  api::PodSpec inputs;
  *inputs.mutable_node_selector() = spec.node_selector();
  if (spec.affinity().node_affinity().has_required_during_scheduling_ignored_during_execution()) {
    *inputs.mutable_affinity()->mutable_node_affinity()->mutable_required_during_scheduling_ignored_during_execution() =
        spec.affinity().node_affinity().required_during_scheduling_ignored_during_execution();
  }
  *inputs.mutable_tolerations() = spec.tolerations();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);  // map order must not split a class
    inputs.SerializeToCodedStream(&coded);
  }
  return out;
}

void EquivalenceCache::Validate(uint64_t static_epoch) {
  if (static_epoch == epoch_) return;
  entries_.clear();
  epoch_ = static_epoch;
}

const EquivalenceCache::Entry* EquivalenceCache::Find(const std::string& cls) const {
  auto it = entries_.find(cls);
  return it == entries_.end() ? nullptr : &it->second;
}

const EquivalenceCache::Entry& EquivalenceCache::Insert(const std::string& cls, Entry entry) {
  if (entries_.size() >= kMaxClasses) entries_.clear();
  return entries_.insert_or_assign(cls, std::move(entry)).first->second;
}

}  // namespace gantry::scheduler
