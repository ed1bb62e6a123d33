// The set of fields an object sets, as server-side apply tracks who owns
// what. A path's elements are written as Kubernetes' FieldsV1 writes them:
// "f:<name>" a field or map key, "k:{\"name\":\"web\"}" an item of a list
// merged by key, "v:<json>" an item of a list merged as a set, and "." the
// list item itself. Only leaves (scalars and atomic lists) and
// "." of list items are members; parents are implied.
#pragma once

#include <absl/status/statusor.h>

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace gantry::api {

using FieldPath = std::vector<std::string>;

struct FieldChanges;

class FieldSet {
 public:
  // Which part of an object a write may set: everything but status and the
  // server's metadata, or (through /status) the status only.
  enum class Scope { kMain, kStatus };

  FieldSet() = default;

  static FieldSet Of(const nlohmann::json& object, Scope scope);
  // What a write from `before` to `after` did, found in one walk over both.
  static FieldChanges Diff(const nlohmann::json& before, const nlohmann::json& after, Scope scope);
  // Reads a FieldsV1 tree; an error when it is not one (or deeper or larger
  // than any object gantry stores).
  static absl::StatusOr<FieldSet> FromFieldsV1(const nlohmann::json& tree);
  nlohmann::json ToFieldsV1() const;

  bool empty() const { return paths_.empty(); }
  size_t size() const { return paths_.size(); }
  bool contains(const FieldPath& path) const { return paths_.contains(path); }
  void insert(FieldPath path) { paths_.insert(std::move(path)); }
  void erase(const FieldPath& path) { paths_.erase(path); }
  const std::set<FieldPath>& paths() const { return paths_; }
  bool operator==(const FieldSet& other) const = default;

  FieldSet Minus(const FieldSet& other) const;

 private:
  std::set<FieldPath> paths_;
};

struct FieldChanges {
  FieldSet changed;  // set anew or to another value; new list items' "."
  FieldSet gone;     // set before, not after
};

// The value at `path` in `object` (for "." the list item), or null when
// the object does not set it.
const nlohmann::json* FieldValueAt(const nlohmann::json& object, const FieldPath& path);
// Removes what `path` names from `object`; nothing when it is absent.
void RemoveFieldAt(nlohmann::json& object, const FieldPath& path);
// As Kubernetes prints a path in conflicts: .spec.containers[name="web"].image
std::string DescribeFieldPath(const FieldPath& path);

}  // namespace gantry::api
