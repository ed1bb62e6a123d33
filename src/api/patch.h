// PATCH bodies applied to an object's JSON form: JSON merge patch (RFC 7386),
// JSON patch (RFC 6902) and Kubernetes' strategic merge patch for the fields
// kubectl apply touches (lists merged by their key, `$patch`,
// `$setElementOrder`, `$deleteFromPrimitiveList`, `$retainKeys`).
#pragma once

#include <absl/status/status.h>
#include <absl/strings/string_view.h>

#include <nlohmann/json.hpp>

#include <cstddef>

namespace gantry::api {

// Kubernetes' bound on the operations of one JSON patch.
inline constexpr size_t kMaxJsonPatchOperations = 10000;
// Nodes that a JSON patch's copy operations may add in all.
inline constexpr size_t kMaxJsonPatchGrowth = 1 << 20;

struct JsonExtent {
  size_t nodes = 0;
  size_t depth = 0;
};
// Counts nodes and depth without recursion, stopping past `max_nodes`.
JsonExtent MeasureJson(const nlohmann::json& value, size_t max_nodes);

// patchMergeKey of the list fields Kubernetes merges by key (by their JSON
// name, wherever they appear), else null: every other list is replaced whole.
const char* MergeKeyOf(absl::string_view field);
// Primitive lists Kubernetes merges as sets.
bool IsMergedPrimitiveList(absl::string_view field);

absl::Status ApplyMergePatch(nlohmann::json& doc, const nlohmann::json& patch);
absl::Status ApplyJsonPatch(nlohmann::json& doc, const nlohmann::json& patch);
absl::Status ApplyStrategicMergePatch(nlohmann::json& doc, const nlohmann::json& patch);

// The strategic merge patch that turns an object last applied as `original`
// into `modified` (what kubectl's client-side apply sends): fields dropped
// from the manifest become nulls, list items dropped become `$patch: delete`.
nlohmann::json ThreeWayPatch(const nlohmann::json& original, const nlohmann::json& modified);

}  // namespace gantry::api
