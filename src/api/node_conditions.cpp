#include "api/node_conditions.h"

#include "common/time_format.h"

namespace gantry::api {

const NodeCondition* FindNodeCondition(const Node& node, const std::string& type) {
  for (const auto& c : node.status().conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

NodeCondition& SetNodeCondition(Node& node, const std::string& type, const std::string& status,
                                const std::string& reason, const std::string& message) {
  NodeCondition* cond = nullptr;
  for (auto& c : *node.mutable_status()->mutable_conditions()) {
    if (c.type() == type) cond = &c;
  }
  if (cond == nullptr) {
    cond = node.mutable_status()->add_conditions();
    cond->set_type(type);
  }
  if (cond->status() != status) cond->set_last_transition_time(NowRfc3339());
  cond->set_status(status);
  cond->set_reason(reason);
  cond->set_message(message);
  return *cond;
}

}  // namespace gantry::api
