#include "api/node_selector.h"

#include <absl/strings/numbers.h>

#include <algorithm>

namespace gantry::api {
namespace {

bool RequirementHolds(const NodeSelectorRequirement& r, const std::string* value) {
  const std::string& op = r.operator_();
  bool in = value != nullptr && std::find(r.values().begin(), r.values().end(), *value) != r.values().end();
  if (op == "In") return in;
  if (op == "NotIn") return !in;
  if (op == "Exists") return value != nullptr;
  if (op == "DoesNotExist") return value == nullptr;
  if ((op == "Gt" || op == "Lt") && value != nullptr && r.values_size() == 1) {
    int64_t have, want;
    if (!absl::SimpleAtoi(*value, &have) || !absl::SimpleAtoi(r.values(0), &want)) return false;
    return op == "Gt" ? have > want : have < want;
  }
  return false;
}

}  // namespace

bool TermMatches(const NodeSelectorTerm& term, const Node& node) {
  if (term.match_expressions().empty() && term.match_fields().empty()) return false;
  const auto& labels = node.metadata().labels();
  for (const auto& r : term.match_expressions()) {
    auto it = labels.find(r.key());
    if (!RequirementHolds(r, it == labels.end() ? nullptr : &it->second)) return false;
  }
  for (const auto& r : term.match_fields()) {
    const std::string* value = r.key() == "metadata.name" ? &node.metadata().name() : nullptr;
    if (!RequirementHolds(r, value)) return false;
  }
  return true;
}

bool AnyTermMatches(const NodeSelector& selector, const Node& node) {
  for (const auto& term : selector.node_selector_terms()) {
    if (TermMatches(term, node)) return true;
  }
  return false;
}

}  // namespace gantry::api
