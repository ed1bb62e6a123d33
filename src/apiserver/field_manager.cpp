#include "apiserver/field_manager.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "api/errors.h"
#include "api/field_set.h"
#include "api/json_codec.h"
#include "api/object_meta.h"
#include "api/patch.h"
#include "common/time_format.h"
#include "meta.pb.h"

namespace gantry::apiserver {
namespace {

using api::FieldPath;
using api::FieldSet;
using nlohmann::json;

constexpr size_t kMaxManagerLength = 128;

struct OwnedFields {
  api::ManagedFieldsEntry entry;  // fields_v1 is left stale until written back
  FieldSet fields;
};

std::vector<OwnedFields> ReadEntries(const ManagedFields& entries) {
  std::vector<OwnedFields> out;
  for (const api::ManagedFieldsEntry& entry : entries) {
    json tree = json::parse(entry.fields_v1(), nullptr, false);
    auto fields = FieldSet::FromFieldsV1(tree.is_discarded() ? json::object() : tree);
    if (!fields.ok()) {
      spdlog::warn("dropping the managedFields entry of {}: {}", entry.manager(), std::string(fields.status().message()));
      continue;
    }
    out.push_back({entry, *std::move(fields)});
  }
  return out;
}

void WriteEntries(std::vector<OwnedFields>& owned, ManagedFields* out) {
  out->Clear();
  for (OwnedFields& o : owned) {
    if (o.fields.empty()) continue;
    o.entry.set_fields_type("FieldsV1");
    o.entry.set_fields_v1(o.fields.ToFieldsV1().dump());
    *out->Add() = o.entry;
  }
}

bool IsOwner(const api::ManagedFieldsEntry& entry, const FieldOwner& owner, absl::string_view operation) {
  return entry.manager() == owner.manager && entry.operation() == operation && entry.subresource() == owner.subresource;
}

// The owner's entry for `operation`, added when it has none.
OwnedFields& EntryOf(std::vector<OwnedFields>& owned, const FieldOwner& owner, const std::string& operation) {
  for (OwnedFields& o : owned) {
    if (IsOwner(o.entry, owner, operation)) return o;
  }
  OwnedFields& added = owned.emplace_back();
  added.entry.set_manager(owner.manager);
  added.entry.set_operation(operation);
  added.entry.set_subresource(owner.subresource);
  return added;
}

FieldSet::Scope ScopeOf(const FieldOwner& owner) {
  return owner.subresource == "status" ? FieldSet::Scope::kStatus : FieldSet::Scope::kMain;
}

bool IsItem(const FieldPath& path) { return !path.empty() && path.back() == "."; }

// Whether `path` names the merge key of a list item ("k:{\"name\":\"b\"}", "f:name"):
// the item's identity, which goes only with the item.
bool IsMergeKeyOfItem(const FieldPath& path) {
  if (path.size() < 2 || !absl::StartsWith(path[path.size() - 2], "k:")) return false;
  json key = json::parse(path[path.size() - 2].substr(2), nullptr, false);
  return key.is_object() && absl::StartsWith(path.back(), "f:") && key.contains(path.back().substr(2));
}

// Whether `path` or anything beneath it is in `fields`.
bool OwnsWithin(const FieldSet& fields, const FieldPath& path) {
  FieldPath prefix = path;
  if (IsItem(prefix)) prefix.pop_back();
  for (auto it = fields.paths().lower_bound(prefix); it != fields.paths().end(); ++it) {
    if (it->size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), it->begin())) break;
    return true;
  }
  return false;
}

// In the terms kube-apiserver uses: "kubectl" for an applier, "kubectl-edit"
// using v1 for an updater.
std::string DescribeManager(const api::ManagedFieldsEntry& entry) {
  std::string out = json(entry.manager()).dump();
  if (!entry.subresource().empty()) absl::StrAppend(&out, " with subresource ", json(entry.subresource()).dump());
  if (entry.operation() == "Update") absl::StrAppend(&out, " using ", entry.api_version());
  return out;
}

struct Conflict {
  const api::ManagedFieldsEntry* entry;
  FieldPath path;
};

absl::Status ConflictStatus(const std::vector<Conflict>& conflicts) {
  std::vector<api::FieldCause> causes;
  for (const Conflict& c : conflicts) {
    causes.push_back({"FieldManagerConflict", api::DescribeFieldPath(c.path),
                      absl::StrCat("conflict with ", DescribeManager(*c.entry))});
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = absl::StrCat("Apply failed with 1 conflict: conflict with ", DescribeManager(*conflicts[0].entry), ": ",
                           causes[0].field);
  } else {
    std::map<std::string, std::vector<std::string>> by_manager;
    for (size_t i = 0; i < conflicts.size(); ++i) {
      by_manager[DescribeManager(*conflicts[i].entry)].push_back(absl::StrCat("- ", causes[i].field));
    }
    std::vector<std::string> lines;
    for (const auto& [manager, fields] : by_manager) {
      lines.push_back(absl::StrCat("conflicts with ", manager, ":"));
      lines.insert(lines.end(), fields.begin(), fields.end());
    }
    message = absl::StrCat("Apply failed with ", conflicts.size(), " conflicts: ", absl::StrJoin(lines, "\n"));
  }
  return api::ApplyConflictError(message, std::move(causes));
}

}  // namespace

absl::StatusOr<FieldOwner> FieldOwnerOf(const std::string& field_manager, const std::string& user_agent,
                                        const std::string& subresource) {
  std::string manager = field_manager;
  if (manager.empty()) manager = user_agent.substr(0, std::min(user_agent.find('/'), kMaxManagerLength));
  if (manager.size() > kMaxManagerLength) {
    return api::InvalidError("", "", {api::InvalidCause("fieldManager", manager.substr(0, kMaxManagerLength),
                                                        "must be no more than 128 characters")});
  }
  return FieldOwner{std::move(manager), subresource};
}

void RecordUpdate(const api::KindInfo& kind, const google::protobuf::Message* before,
                  google::protobuf::Message* after, const FieldOwner& owner, absl::Time now) {
  const FieldSet::Scope scope = ScopeOf(owner);
  const json after_json = api::EncodeJson(*after, false);
  const json before_json = before != nullptr ? api::EncodeJson(*before, false) : json::object();
  const api::FieldChanges changes = FieldSet::Diff(before_json, after_json, scope);
  const FieldSet& changed = changes.changed;
  const FieldSet& gone = changes.gone;
  ManagedFields* entries = api::MutableMetaOf(after)->mutable_managed_fields();
  if (before != nullptr) {
    *entries = api::MetaOf(*before).managed_fields();
  } else {
    entries->Clear();
  }
  if (changed.empty() && gone.empty()) return;
  std::vector<OwnedFields> owned = ReadEntries(*entries);
  for (OwnedFields& o : owned) {
    for (const FieldSet* taken : {&changed, &gone}) {
      for (const FieldPath& path : taken->paths()) o.fields.erase(path);
    }
  }
  OwnedFields& mine = EntryOf(owned, owner, "Update");
  for (const FieldPath& path : changed.paths()) mine.fields.insert(path);
  mine.entry.set_api_version(kind.ApiVersion());
  mine.entry.set_time(Rfc3339(now));
  WriteEntries(owned, entries);
}

absl::StatusOr<AppliedObject> ApplyConfiguration(const api::KindInfo& kind, const json& live,
                                                 const ManagedFields& live_managers, json config,
                                                 const FieldOwner& owner, bool force, absl::Time now) {
  if (!config.is_object()) return api::BadRequestError("an apply configuration must be an object");
  if (config.contains("metadata")) {
    if (!config["metadata"].is_object()) return api::BadRequestError("metadata of an apply configuration must be an object");
    config["metadata"].erase("managedFields");
  }
  if (!live.is_object() || (live.contains("metadata") && !live["metadata"].is_object())) {
    return api::BadRequestError("the live object must be an object with object metadata");
  }
  const FieldSet applied = FieldSet::Of(config, ScopeOf(owner));
  std::vector<OwnedFields> owned = ReadEntries(live_managers);
  OwnedFields& mine = EntryOf(owned, owner, "Apply");
  const FieldSet previously = mine.fields;

  std::vector<Conflict> conflicts;
  for (OwnedFields& other : owned) {
    if (&other == &mine) continue;
    for (const FieldPath& path : applied.paths()) {
      if (IsItem(path) || !other.fields.contains(path)) continue;
      const json* current = api::FieldValueAt(live, path);
      if (current != nullptr && *current != *api::FieldValueAt(config, path)) conflicts.push_back({&other.entry, path});
    }
  }
  if (!conflicts.empty() && !force) return ConflictStatus(conflicts);
  for (const Conflict& c : conflicts) {
    for (OwnedFields& other : owned) {
      if (&other.entry == c.entry) other.fields.erase(c.path);
    }
  }

  json merged = live;
  if (merged.contains("metadata")) merged["metadata"].erase("managedFields");
  if (merged.contains("metadata")) merged["metadata"].erase("managedFields");
  const FieldSet dropped = previously.Minus(applied);
  auto kept = [&](const FieldPath& path) {
    return std::any_of(owned.begin(), owned.end(),
                       [&](const OwnedFields& o) { return &o != &mine && OwnsWithin(o.fields, path); });
  };
  // Whole list items first: their fields (the merge key among them) must
  // still be there to find them by. Then single fields, deepest first, but
  // never the merge key of an item that stays.
  for (const FieldPath& path : dropped.paths()) {
    if (IsItem(path) && !kept(path)) api::RemoveFieldAt(merged, path);
  }
  for (auto it = dropped.paths().rbegin(); it != dropped.paths().rend(); ++it) {
    if (!IsItem(*it) && !IsMergeKeyOfItem(*it) && !kept(*it)) api::RemoveFieldAt(merged, *it);
  }
  if (auto s = api::ApplyStrategicMergePatch(merged, config); !s.ok()) return s;

  if (mine.fields != applied || mine.entry.api_version() != kind.ApiVersion() || mine.entry.time().empty()) {
    mine.fields = applied;
    mine.entry.set_api_version(kind.ApiVersion());
    mine.entry.set_time(Rfc3339(now));
  }
  AppliedObject result{std::move(merged), {}};
  WriteEntries(owned, &result.managed_fields);
  return result;
}

}  // namespace gantry::apiserver
