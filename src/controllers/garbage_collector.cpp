#include "controllers/garbage_collector.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <algorithm>

#include "api/object_meta.h"
#include "common/time_format.h"
#include "controllers/owned_objects.h"
#include "controllers/pod_deletion.h"
#include "core.pb.h"

namespace gantry::controllers {
namespace {

constexpr absl::string_view kOrphan = "orphan";
constexpr absl::string_view kForeground = "foregroundDeletion";

bool Collected(const api::KindInfo& kind) { return kind.namespaced && kind.kind != "Event" && kind.kind != "Lease"; }

bool HasFinalizer(const api::ObjectMeta& meta, absl::string_view finalizer) {
  return std::find(meta.finalizers().begin(), meta.finalizers().end(), finalizer) != meta.finalizers().end();
}

const api::KindInfo* KindOfKey(absl::string_view qualified) {
  for (const api::KindInfo& kind : api::AllKinds()) {
    if (kind.QualifiedResource() == qualified) return &kind;
  }
  return nullptr;
}

}  // namespace

GarbageCollector::GarbageCollector(store::Store& store, store::EventRecorder* events)
    : ReconcilingController(store, "garbage collector", events) {}

GarbageCollector::~GarbageCollector() { Stop(); }

std::string GarbageCollector::KeyFor(const api::KindInfo& kind, const api::ObjectMeta& meta) {
  return absl::StrCat(kind.QualifiedResource(), "|", meta.namespace_(), "/", meta.name());
}

absl::Status GarbageCollector::Subscribe(WatchFeed& feed) {
  for (const api::KindInfo& kind : api::AllKinds()) {
    if (!Collected(kind)) continue;
    if (auto s = feed.Follow(kind, [this, &kind](const store::WatchEvent& e) { Observe(kind, e); }); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void GarbageCollector::Observe(const api::KindInfo& kind, const store::WatchEvent& event) {
  const api::ObjectMeta& meta = api::MetaOf(*event.object);
  const std::string key = KeyFor(kind, meta);
  std::vector<std::string> wake;
  {
    std::lock_guard lock(mu_);
    auto known = owners_of_.find(key);
    // Most events are status changes of an object whose owners did not
    // change (a pod's every report): the index stays as it is.
    const bool same_owners =
        event.type != store::WatchEvent::Type::kDeleted && known != owners_of_.end() &&
        std::equal(known->second.begin(), known->second.end(), meta.owner_references().begin(),
                   meta.owner_references().end(),
                   [](const std::string& uid, const api::OwnerReference& ref) { return uid == ref.uid(); });
    if (!same_owners && known != owners_of_.end()) {
      for (const std::string& uid : known->second) {
        auto deps = dependents_.find(uid);
        if (deps == dependents_.end()) continue;
        deps->second.erase(key);
        if (deps->second.empty()) dependents_.erase(deps);
      }
      owners_of_.erase(known);
    }
    if (event.type == store::WatchEvent::Type::kDeleted) {
      // Its dependents may be orphans now, and an owner waiting in the
      // foreground for this dependent may go.
      if (auto deps = dependents_.find(meta.uid()); deps != dependents_.end()) {
        wake.assign(deps->second.begin(), deps->second.end());
      }
    } else if (!same_owners && !meta.owner_references().empty()) {
      std::vector<std::string> uids;
      for (const auto& ref : meta.owner_references()) {
        dependents_[ref.uid()].insert(key);
        uids.push_back(ref.uid());
      }
      owners_of_[key] = std::move(uids);
    }
  }
  for (const std::string& k : wake) queue_.Add(k);
  if (event.type == store::WatchEvent::Type::kDeleted) {
    // An owner in foreground deletion waits on this dependent.
    for (const auto& ref : meta.owner_references()) {
      if (const api::KindInfo* owner = api::FindKindByApiVersion(ref.api_version(), ref.kind()); owner && Collected(*owner)) {
        queue_.Add(absl::StrCat(owner->QualifiedResource(), "|", meta.namespace_(), "/", ref.name()));
      }
    }
    return;
  }
  // New dependents are checked once (their owner may be gone already); owners when their deletion starts.
  if ((event.type == store::WatchEvent::Type::kAdded && !meta.owner_references().empty()) ||
      !meta.deletion_timestamp().empty()) {
    queue_.Add(key);
  }
}

absl::StatusOr<absl::Duration> GarbageCollector::Reconcile(const std::string& key, absl::Time now) {
  std::pair<std::string, std::string> parts = absl::StrSplit(key, absl::MaxSplits('|', 1));
  const api::KindInfo* kind = KindOfKey(parts.first);
  if (kind == nullptr) return absl::ZeroDuration();
  auto [namespace_, name] = SplitKey(parts.second);
  auto current = store_.Get(*kind, namespace_, name);
  if (absl::IsNotFound(current.status())) return absl::ZeroDuration();
  if (!current.ok()) return current.status();
  const api::ObjectMeta& meta = api::MetaOf(**current);
  if (!meta.deletion_timestamp().empty() && kind->kind != "Pod") {
    auto gone = FinishDeletion(*kind, **current, now);
    if (!gone.ok()) return gone.status();
    if (*gone) return absl::ZeroDuration();
  }
  if (auto s = CollectIfOrphaned(*kind, **current, now); !s.ok()) return s;
  return absl::ZeroDuration();
}

absl::StatusOr<bool> GarbageCollector::FinishDeletion(const api::KindInfo& kind, const google::protobuf::Message& object,
                                                      absl::Time now) {
  const api::ObjectMeta& meta = api::MetaOf(object);
  const bool orphan = HasFinalizer(meta, kOrphan);
  const bool foreground = HasFinalizer(meta, kForeground);
  size_t waiting = 0;
  if (orphan || foreground) {
    // Read from the store, not from the index the watches build: a dependent
    // the watches have not shown yet must not be missed (an owner gone
    // before its dependents were seen would take them with it).
    auto dependents = DependentsOf(meta);
    if (!dependents.ok()) return dependents.status();
    for (const auto& [dep_kind, dependent] : *dependents) {
      if (orphan) {
        std::unique_ptr<google::protobuf::Message> released(dependent->New());
        released->CopyFrom(*dependent);
        auto* refs = api::MutableMetaOf(released.get())->mutable_owner_references();
        refs->erase(std::remove_if(refs->begin(), refs->end(),
                                   [&](const api::OwnerReference& r) { return r.uid() == meta.uid(); }),
                    refs->end());
        if (auto s = store_.Update(*dep_kind, std::move(released)); !s.ok()) return s.status();
      } else {
        ++waiting;
        if (auto s = DeleteDependent(*dep_kind, *dependent, std::string(kForeground), now); !s.ok()) return s;
      }
    }
  }
  if (foreground && waiting > 0) return false;  // each dependent's deletion wakes the owner
  std::unique_ptr<google::protobuf::Message> finished(object.New());
  finished->CopyFrom(object);
  auto* finalizers = api::MutableMetaOf(finished.get())->mutable_finalizers();
  finalizers->erase(std::remove_if(finalizers->begin(), finalizers->end(),
                                   [](const std::string& f) { return f == kOrphan || f == kForeground; }),
                    finalizers->end());
  if (!finalizers->empty()) {
    if (finalizers->size() != meta.finalizers().size()) {
      if (auto s = store_.Update(kind, std::move(finished)); !s.ok()) return s.status();
    }
    return false;  // another finalizer's owner finishes it
  }
  auto gone = store_.Delete(kind, meta.namespace_(), meta.name(), UidPrecondition(meta.uid()));
  if (!gone.ok() && !absl::IsNotFound(gone.status())) return gone.status();
  return true;
}

absl::StatusOr<std::vector<std::pair<const api::KindInfo*, store::ObjectPtr>>> GarbageCollector::DependentsOf(
    const api::ObjectMeta& owner) const {
  std::vector<std::pair<const api::KindInfo*, store::ObjectPtr>> out;
  for (const api::KindInfo& kind : api::AllKinds()) {
    if (!Collected(kind)) continue;
    store::ListOptions options;
    options.namespace_ = owner.namespace_();  // a cluster-scoped owner's dependents may be anywhere
    auto list = store_.List(kind, options);
    if (!list.ok()) return list.status();
    for (auto& item : list->items) {
      const auto& refs = api::MetaOf(*item).owner_references();
      if (std::any_of(refs.begin(), refs.end(), [&](const api::OwnerReference& r) { return r.uid() == owner.uid(); })) {
        out.emplace_back(&kind, std::move(item));
      }
    }
  }
  return out;
}

absl::Status GarbageCollector::CollectIfOrphaned(const api::KindInfo& kind, const google::protobuf::Message& object,
                                                 absl::Time now) {
  const api::ObjectMeta& meta = api::MetaOf(object);
  if (meta.owner_references().empty() || !meta.deletion_timestamp().empty()) return absl::OkStatus();
  for (const auto& ref : meta.owner_references()) {
    const api::KindInfo* owner_kind = api::FindKindByApiVersion(ref.api_version(), ref.kind());
    // An owner of a kind gantry does not serve cannot be checked: keep the dependent.
    if (owner_kind == nullptr) return absl::OkStatus();
    auto owner = store_.Get(*owner_kind, owner_kind->namespaced ? meta.namespace_() : "", ref.name());
    if (owner.ok() && api::MetaOf(**owner).uid() == ref.uid()) {
      // An owner in foreground deletion takes its dependents with it.
      const api::ObjectMeta& owner_meta = api::MetaOf(**owner);
      if (!owner_meta.deletion_timestamp().empty() && HasFinalizer(owner_meta, kForeground)) {
        queue_.Add(KeyFor(*owner_kind, owner_meta));
      }
      return absl::OkStatus();
    }
    if (!owner.ok() && !absl::IsNotFound(owner.status())) return owner.status();
  }
  return DeleteDependent(kind, object, "", now);
}

absl::Status GarbageCollector::DeleteDependent(const api::KindInfo& kind, const google::protobuf::Message& object,
                                               const std::string& finalizer, absl::Time now) {
  const api::ObjectMeta& meta = api::MetaOf(object);
  if (kind.kind == "Pod") return DeletePod(store_, static_cast<const api::Pod&>(object), now);
  if (!meta.deletion_timestamp().empty()) return absl::OkStatus();
  if (finalizer.empty() && meta.finalizers().empty()) {
    auto gone = store_.Delete(kind, meta.namespace_(), meta.name(), UidPrecondition(meta.uid()));
    return gone.ok() || absl::IsNotFound(gone.status()) ? absl::OkStatus() : gone.status();
  }
  std::unique_ptr<google::protobuf::Message> marked(object.New());
  marked->CopyFrom(object);
  api::ObjectMeta* m = api::MutableMetaOf(marked.get());
  m->set_deletion_timestamp(Rfc3339(now));
  m->set_deletion_grace_period_seconds(0);
  if (!finalizer.empty()) m->add_finalizers(finalizer);
  auto marked_write = store_.Update(kind, std::move(marked));
  return marked_write.ok() || absl::IsNotFound(marked_write.status()) ? absl::OkStatus() : marked_write.status();
}

}  // namespace gantry::controllers
