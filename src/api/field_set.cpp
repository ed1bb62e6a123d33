#include "api/field_set.h"

#include <absl/container/flat_hash_set.h>
#include <absl/functional/function_ref.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <algorithm>

#include "api/errors.h"
#include "api/patch.h"

namespace gantry::api {
namespace {

using nlohmann::json;

// FieldsV1 trees are never deeper or larger than the objects they describe.
constexpr int kMaxFieldsV1Depth = 64;
constexpr size_t kMaxFieldsV1Paths = 100000;

// Metadata the server sets: nobody owns it.
bool IsServerMetadata(const std::string& key) {
  static const auto* kKeys = new absl::flat_hash_set<std::string>{
      "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
      "deletionGracePeriodSeconds", "managedFields", "selfLink"};
  return kKeys->contains(key);
}

void CollectValue(const std::string& key, const json& value, FieldPath& path, FieldSet& out);

void CollectObject(const json& object, FieldPath& path, FieldSet& out) {
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) continue;
    path.push_back(absl::StrCat("f:", key));
    CollectValue(key, value, path, out);
    path.pop_back();
  }
}

bool AllItemsKeyed(const json& list, const char* key) {
  return std::all_of(list.begin(), list.end(), [&](const json& item) { return item.is_object() && item.contains(key); });
}

void CollectValue(const std::string& key, const json& value, FieldPath& path, FieldSet& out) {
  // An empty map sets nothing: owning it would only make conflicts.
  if (value.is_object()) return CollectObject(value, path, out);
  if (value.is_array() && !value.empty()) {
    if (const char* merge_key = MergeKeyOf(key); merge_key != nullptr && AllItemsKeyed(value, merge_key)) {
      for (const json& item : value) {
        path.push_back(absl::StrCat("k:", json{{merge_key, item[merge_key]}}.dump()));
        path.push_back(".");
        out.insert(path);
        path.pop_back();
        CollectObject(item, path, out);
        path.pop_back();
      }
      return;
    }
    if (IsMergedPrimitiveList(key)) {
      for (const json& item : value) {
        path.push_back(absl::StrCat("v:", item.dump()));
        out.insert(path);
        path.pop_back();
      }
      return;
    }
  }
  out.insert(path);
}

bool SameKey(const json& a, const json& b, const char* key) {
  auto it = a.find(key);
  return it != a.end() && *it == b[key];
}

void DiffValue(const std::string& key, const json& before, const json& after, FieldPath& path, FieldChanges& out);

void DiffObject(const json& before, const json& after, absl::FunctionRef<bool(const std::string&)> owned,
                FieldPath& path, FieldChanges& out) {
  for (const auto& [key, value] : after.items()) {
    if (value.is_null() || !owned(key)) continue;
    path.push_back(absl::StrCat("f:", key));
    auto was = before.find(key);
    if (was == before.end() || was->is_null()) {
      CollectValue(key, value, path, out.changed);
    } else {
      DiffValue(key, *was, value, path, out);
    }
    path.pop_back();
  }
  for (const auto& [key, value] : before.items()) {
    if (value.is_null() || !owned(key)) continue;
    auto now = after.find(key);
    if (now != after.end() && !now->is_null()) continue;
    path.push_back(absl::StrCat("f:", key));
    CollectValue(key, value, path, out.gone);
    path.pop_back();
  }
}

bool Anything(const std::string&) { return true; }

// One list item by its merge key: new, changed or gone.
void DiffKeyedList(const json& before, const json& after, const char* merge_key, FieldPath& path, FieldChanges& out) {
  for (const json& item : after) {
    path.push_back(absl::StrCat("k:", json{{merge_key, item[merge_key]}}.dump()));
    auto was = std::find_if(before.begin(), before.end(), [&](const json& b) { return SameKey(b, item, merge_key); });
    if (was == before.end()) {
      path.push_back(".");
      out.changed.insert(path);
      path.pop_back();
      CollectObject(item, path, out.changed);
    } else if (*was != item) {
      DiffObject(*was, item, Anything, path, out);
    }
    path.pop_back();
  }
  for (const json& item : before) {
    if (std::any_of(after.begin(), after.end(), [&](const json& a) { return SameKey(a, item, merge_key); })) continue;
    path.push_back(absl::StrCat("k:", json{{merge_key, item[merge_key]}}.dump()));
    path.push_back(".");
    out.gone.insert(path);
    path.pop_back();
    CollectObject(item, path, out.gone);
    path.pop_back();
  }
}

void DiffValue(const std::string& key, const json& before, const json& after, FieldPath& path, FieldChanges& out) {
  if (before == after) return;
  if (before.is_object() && after.is_object()) return DiffObject(before, after, Anything, path, out);
  if (before.is_array() && after.is_array()) {
    const char* merge_key = MergeKeyOf(key);
    if (merge_key != nullptr && AllItemsKeyed(before, merge_key) && AllItemsKeyed(after, merge_key)) {
      return DiffKeyedList(before, after, merge_key, path, out);
    }
    if (IsMergedPrimitiveList(key)) {
      for (const json& v : after) {
        if (std::find(before.begin(), before.end(), v) == before.end()) {
          path.push_back(absl::StrCat("v:", v.dump()));
          out.changed.insert(path);
          path.pop_back();
        }
      }
      for (const json& v : before) {
        if (std::find(after.begin(), after.end(), v) == after.end()) {
          path.push_back(absl::StrCat("v:", v.dump()));
          out.gone.insert(path);
          path.pop_back();
        }
      }
      return;
    }
  }
  // A scalar or an atomic list changed, or the value changed shape.
  FieldSet was;
  CollectValue(key, before, path, was);
  CollectValue(key, after, path, out.changed);
  for (const FieldPath& p : was.paths()) {
    if (!out.changed.contains(p)) out.gone.insert(p);
  }
}

absl::Status ReadTree(const json& node, FieldPath& path, int depth, std::set<FieldPath>& out) {
  if (!node.is_object()) return BadRequestError("fieldsV1: every node must be an object");
  if (depth > kMaxFieldsV1Depth) return BadRequestError("fieldsV1: nested too deeply");
  if (out.size() > kMaxFieldsV1Paths) return BadRequestError("fieldsV1: too many fields");
  if (node.empty()) {
    if (!path.empty()) out.insert(path);
    return absl::OkStatus();
  }
  for (const auto& [element, child] : node.items()) {
    if (element == ".") {
      FieldPath item = path;
      item.push_back(".");
      out.insert(std::move(item));
      continue;
    }
    if (!absl::StartsWith(element, "f:") && !absl::StartsWith(element, "k:") && !absl::StartsWith(element, "v:")) {
      return BadRequestError(absl::StrCat("fieldsV1: \"", element.substr(0, 64), "\" is not f:, k:, v: or ."));
    }
    path.push_back(element);
    absl::Status s = ReadTree(child, path, depth + 1, out);
    path.pop_back();
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// The list item `element` (k:… or v:…) names in `list`.
template <typename Json>
auto FindItem(Json& list, absl::string_view element) {
  json wanted = json::parse(element.substr(2), nullptr, false);
  if (wanted.is_discarded()) return list.end();
  if (absl::StartsWith(element, "v:")) return std::find(list.begin(), list.end(), wanted);
  if (!wanted.is_object()) return list.end();
  return std::find_if(list.begin(), list.end(), [&](const json& item) {
    if (!item.is_object()) return false;
    for (const auto& [key, value] : wanted.items()) {
      auto it = item.find(key);
      if (it == item.end() || *it != value) return false;
    }
    return true;
  });
}

// The child `element` names, const or not as `at` is.
template <typename Json>
Json* Step(Json& at, const std::string& element) {
  if (absl::StartsWith(element, "f:")) {
    if (!at.is_object()) return nullptr;
    auto it = at.find(element.substr(2));
    return it == at.end() ? nullptr : &*it;
  }
  if (!at.is_array()) return nullptr;
  auto it = FindItem(at, element);
  return it == at.end() ? nullptr : &*it;
}

}  // namespace

FieldChanges FieldSet::Diff(const json& before, const json& after, Scope scope) {
  FieldChanges out;
  FieldPath path;
  auto owned = [&](const std::string& key) {
    return key != "apiVersion" && key != "kind" && key != "metadata" && (key == "status") == (scope == Scope::kStatus);
  };
  static const json kAbsent = json::object();
  auto metadata_of = [](const json& object) -> const json& {
    auto it = object.is_object() ? object.find("metadata") : object.end();
    return it != object.end() && it->is_object() ? *it : kAbsent;
  };
  if (scope == Scope::kMain) {
    path.push_back("f:metadata");
    DiffObject(metadata_of(before), metadata_of(after), [](const std::string& key) { return !IsServerMetadata(key); },
               path, out);
    path.pop_back();
  }
  DiffObject(before.is_object() ? before : kAbsent, after.is_object() ? after : kAbsent, owned, path, out);
  return out;
}

FieldSet FieldSet::Of(const json& object, Scope scope) { return Diff(json::object(), object, scope).changed; }

absl::StatusOr<FieldSet> FieldSet::FromFieldsV1(const json& tree) {
  FieldSet set;
  FieldPath path;
  if (auto s = ReadTree(tree, path, 0, set.paths_); !s.ok()) return s;
  return set;
}

json FieldSet::ToFieldsV1() const {
  json tree = json::object();
  for (const FieldPath& path : paths_) {
    json* node = &tree;
    for (const std::string& element : path) node = &(*node)[element];
    if (node->is_null()) *node = json::object();
  }
  return tree;
}

FieldSet FieldSet::Minus(const FieldSet& other) const {
  FieldSet out;
  std::set_difference(paths_.begin(), paths_.end(), other.paths_.begin(), other.paths_.end(),
                      std::inserter(out.paths_, out.paths_.end()));
  return out;
}

const json* FieldValueAt(const json& object, const FieldPath& path) {
  const json* at = &object;
  for (const std::string& element : path) {
    if (element == ".") return at;
    at = Step(*at, element);
    if (at == nullptr) return nullptr;
  }
  return at;
}

void RemoveFieldAt(json& object, const FieldPath& path) {
  size_t length = !path.empty() && path.back() == "." ? path.size() - 1 : path.size();
  if (length == 0) return;
  json* parent = &object;
  for (size_t i = 0; i + 1 < length; ++i) {
    parent = Step(*parent, path[i]);
    if (parent == nullptr) return;
  }
  const std::string& last = path[length - 1];
  if (absl::StartsWith(last, "f:")) {
    if (parent->is_object()) parent->erase(last.substr(2));
  } else if (parent->is_array()) {
    if (auto it = FindItem(*parent, last); it != parent->end()) parent->erase(it);
  }
}

std::string DescribeFieldPath(const FieldPath& path) {
  std::string out;
  for (const std::string& element : path) {
    if (absl::StartsWith(element, "f:")) {
      absl::StrAppend(&out, ".", element.substr(2));
    } else if (absl::StartsWith(element, "v:")) {
      absl::StrAppend(&out, "[=", element.substr(2), "]");
    } else if (absl::StartsWith(element, "k:")) {
      json key = json::parse(element.substr(2), nullptr, false);
      std::vector<std::string> parts;
      if (key.is_object()) {
        for (const auto& [name, value] : key.items()) parts.push_back(absl::StrCat(name, "=", value.dump()));
      }
      absl::StrAppend(&out, "[", absl::StrJoin(parts, ","), "]");
    }
  }
  return out;
}

}  // namespace gantry::api
