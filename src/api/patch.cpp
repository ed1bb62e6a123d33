#include "api/patch.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/match.h>
#include <absl/strings/strip.h>

#include <absl/strings/string_view.h>

#include <algorithm>
#include <vector>

#include "api/errors.h"
#include "api/yaml_json.h"

namespace gantry::api {

const char* MergeKeyOf(absl::string_view field) {
  static const std::pair<absl::string_view, const char*> kKeys[] = {
      {"containers", "name"},      {"initContainers", "name"}, {"env", "name"},
      {"ports", "containerPort"},  {"volumes", "name"},        {"volumeMounts", "mountPath"},
      {"conditions", "type"},      {"imagePullSecrets", "name"}, {"ownerReferences", "uid"},
      {"containerStatuses", "name"}, {"addresses", "type"},
  };
  for (const auto& [name, key] : kKeys) {
    if (name == field) return key;
  }
  return nullptr;
}

bool IsMergedPrimitiveList(absl::string_view field) { return field == "finalizers"; }

namespace {

using nlohmann::json;

absl::Status MergeObject(json& target, const json& patch);

// The "$patch" directive of a patch object: "", "replace", "merge" or "delete".
absl::StatusOr<std::string> DirectiveOf(const json& patch) {
  auto it = patch.find("$patch");
  if (it == patch.end()) return std::string();
  if (!it->is_string()) return BadRequestError("strategic merge patch: $patch must be a string");
  const std::string& d = it->get_ref<const std::string&>();
  if (d != "replace" && d != "merge" && d != "delete") {
    return BadRequestError(absl::StrCat("strategic merge patch: unknown $patch directive \"", d.substr(0, 64), "\""));
  }
  return d;
}

json::iterator FindByKey(json& list, const char* key, const json& value) {
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->is_object() && it->contains(key) && (*it)[key] == value) return it;
  }
  return list.end();
}

absl::Status MergeKeyedList(json& target, const json& patch, const char* key) {
  if (!target.is_array()) target = json::array();
  for (const json& item : patch) {
    if (!item.is_object() || !item.contains(key)) {
      return BadRequestError(absl::StrCat("strategic merge patch: list item lacks merge key \"", key, "\""));
    }
    auto it = FindByKey(target, key, item[key]);
    auto parsed = DirectiveOf(item);
    if (!parsed.ok()) return parsed.status();
    const std::string& directive = *parsed;
    if (directive == "delete") {
      if (it != target.end()) target.erase(it);
      continue;
    }
    if (it == target.end()) {
      json fresh = json::object();
      absl::Status s = MergeObject(fresh, item);
      if (!s.ok()) return s;
      target.push_back(std::move(fresh));
    } else if (directive == "replace") {
      json fresh = item;
      fresh.erase("$patch");
      *it = std::move(fresh);
    } else {
      absl::Status s = MergeObject(*it, item);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

void ApplyElementOrder(json& list, const json& order, const char* key) {
  if (!list.is_array() || !order.is_array()) return;
  json sorted = json::array();
  for (const json& want : order) {
    json probe = key != nullptr && want.is_object() ? want.value(key, json()) : want;
    for (auto it = list.begin(); it != list.end(); ++it) {
      bool same = key != nullptr ? (it->is_object() && it->value(key, json()) == probe) : *it == probe;
      if (same) {
        sorted.push_back(std::move(*it));
        list.erase(it);
        break;
      }
    }
  }
  for (json& rest : list) sorted.push_back(std::move(rest));
  list = std::move(sorted);
}

absl::Status MergeObject(json& target, const json& patch) {
  if (!patch.is_object()) {
    return BadRequestError("strategic merge patch: expected an object");
  }
  if (!target.is_object()) target = json::object();
  auto parsed = DirectiveOf(patch);
  if (!parsed.ok()) return parsed.status();
  const std::string& directive = *parsed;
  if (directive == "replace") {
    target = patch;
    target.erase("$patch");
    return absl::OkStatus();
  }
  if (directive == "delete") {
    target = json::object();
    return absl::OkStatus();
  }
  for (const auto& [key, value] : patch.items()) {
    if (key == "$patch" || absl::StartsWith(key, "$setElementOrder/") || key == "$retainKeys") continue;
    if (absl::string_view field = key; absl::ConsumePrefix(&field, "$deleteFromPrimitiveList/")) {
      std::string name(field);
      if (target.contains(name) && target[name].is_array() && value.is_array()) {
        json& list = target[name];
        for (const json& gone : value) {
          for (auto it = list.begin(); it != list.end();) it = *it == gone ? list.erase(it) : it + 1;
        }
      }
      continue;
    }
    if (value.is_null()) {
      target.erase(key);
    } else if (value.is_object()) {
      absl::Status s = MergeObject(target[key], value);
      if (!s.ok()) return s;
    } else if (value.is_array() && MergeKeyOf(key) != nullptr) {
      absl::Status s = MergeKeyedList(target[key], value, MergeKeyOf(key));
      if (!s.ok()) return s;
    } else if (value.is_array() && IsMergedPrimitiveList(key) && target.contains(key) && target[key].is_array()) {
      for (const json& v : value) {
        if (std::find(target[key].begin(), target[key].end(), v) == target[key].end()) target[key].push_back(v);
      }
    } else {
      target[key] = value;
    }
  }
  for (const auto& [key, value] : patch.items()) {
    if (absl::string_view field = key; absl::ConsumePrefix(&field, "$setElementOrder/")) {
      std::string name(field);
      if (target.contains(name)) ApplyElementOrder(target[name], value, MergeKeyOf(name));
    }
  }
  if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
    const json& keep = patch["$retainKeys"];
    for (auto it = target.begin(); it != target.end();) {
      it = std::find(keep.begin(), keep.end(), it.key()) == keep.end() ? target.erase(it) : std::next(it);
    }
  }
  return absl::OkStatus();
}

json DiffObject(const json& original, const json& modified);

json DiffKeyedList(const json& original, const json& modified, const char* key) {
  json out = json::array();
  for (const json& item : modified) {
    json prior;
    if (original.is_array() && item.is_object() && item.contains(key)) {
      for (const json& o : original) {
        if (o.is_object() && o.value(key, json()) == item[key]) prior = o;
      }
    }
    if (prior.is_object()) {
      json d = DiffObject(prior, item);
      d[key] = item[key];
      out.push_back(std::move(d));
    } else {
      out.push_back(item);
    }
  }
  if (original.is_array()) {
    for (const json& o : original) {
      if (!o.is_object() || !o.contains(key)) continue;
      bool kept = false;
      for (const json& item : modified) kept = kept || (item.is_object() && item.value(key, json()) == o[key]);
      if (!kept) out.push_back({{key, o[key]}, {"$patch", "delete"}});
    }
  }
  return out;
}

json DiffObject(const json& original, const json& modified) {
  json patch = json::object();
  for (const auto& [key, value] : modified.items()) {
    const json* prior = original.is_object() && original.contains(key) ? &original[key] : nullptr;
    if (value.is_object() && prior != nullptr && prior->is_object()) {
      patch[key] = DiffObject(*prior, value);
    } else if (value.is_array() && MergeKeyOf(key) != nullptr) {
      patch[key] = DiffKeyedList(prior != nullptr ? *prior : json(), value, MergeKeyOf(key));
      json order = json::array();
      for (const json& item : value) {
        if (item.is_object() && item.contains(MergeKeyOf(key))) order.push_back({{MergeKeyOf(key), item[MergeKeyOf(key)]}});
      }
      patch["$setElementOrder/" + key] = std::move(order);
    } else {
      patch[key] = value;
    }
  }
  if (original.is_object()) {
    for (const auto& [key, value] : original.items()) {
      if (!modified.contains(key)) patch[key] = nullptr;
    }
  }
  return patch;
}

}  // namespace

JsonExtent MeasureJson(const json& value, size_t max_nodes) {
  JsonExtent extent;
  std::vector<std::pair<const json*, size_t>> pending = {{&value, 1}};
  while (!pending.empty() && extent.nodes <= max_nodes) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    ++extent.nodes;
    extent.depth = std::max(extent.depth, depth);
    if (node->is_structured()) {
      for (const json& child : *node) pending.emplace_back(&child, depth + 1);
    }
  }
  return extent;
}

absl::Status ApplyMergePatch(json& doc, const json& patch) {
  if (!patch.is_object()) return BadRequestError("merge patch must be a JSON object");
  doc.merge_patch(patch);
  return absl::OkStatus();
}

absl::Status ApplyJsonPatch(json& doc, const json& patch) {
  if (!patch.is_array()) return BadRequestError("json patch must be a JSON array of operations");
  if (patch.size() > kMaxJsonPatchOperations) {
    return BadRequestError(absl::StrCat("json patch has more than ", kMaxJsonPatchOperations, " operations"));
  }
  // copy and move can grow the document far beyond the patch (each copy may
  // double it, or nest it one level deeper): bound both.
  size_t copied = 0;
  try {
    for (const json& op : patch) {
      if (!op.is_object() || !op.contains("op") || !op["op"].is_string() || !op.contains("path") ||
          !op["path"].is_string() || (op.contains("from") && !op["from"].is_string())) {
        return BadRequestError("json patch: every operation needs string \"op\" and \"path\" (and \"from\")");
      }
      const std::string& name = op["op"].get_ref<const std::string&>();
      const std::string& path = op["path"].get_ref<const std::string&>();
      const json* value = nullptr;
      if ((name == "copy" || name == "move") && op.contains("from")) {
        value = &doc.at(json::json_pointer(op["from"].get<std::string>()));
      } else if ((name == "add" || name == "replace") && op.contains("value")) {
        value = &op["value"];
      }
      if (value != nullptr) {
        JsonExtent extent = MeasureJson(*value, kMaxJsonPatchGrowth - copied);
        size_t path_depth = static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
        if (path_depth + extent.depth > static_cast<size_t>(kMaxNestingDepth)) {
          return BadRequestError(absl::StrCat("json patch: the result would nest deeper than ", kMaxNestingDepth,
                                              " levels"));
        }
        if (name == "copy") {
          copied += extent.nodes;
          if (copied > kMaxJsonPatchGrowth) {
            return BadRequestError("json patch: copy operations grow the object beyond the limit");
          }
        }
      }
      if (name == "add" || name == "copy" || name == "move") {
        // nlohmann asserts (aborts) instead of throwing when the parent of an
        // added value is a string or number: refuse that here.
        json::json_pointer target(path);
        if (!target.empty() && doc.contains(target.parent_pointer())) {
          const json& parent = doc.at(target.parent_pointer());
          if (!parent.is_structured() && !parent.is_null()) {
            return BadRequestError(absl::StrCat("json patch: cannot add \"", path, "\": its parent is not an object "
                                                "or array"));
          }
        }
      }
      doc.patch_inplace(json::array({op}));
    }
  } catch (const json::exception& e) {
    return BadRequestError(absl::StrCat("json patch: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status ApplyStrategicMergePatch(json& doc, const json& patch) {
  return MergeObject(doc, patch);
}

json ThreeWayPatch(const json& original, const json& modified) {
  return DiffObject(original, modified);
}

}  // namespace gantry::api
