#include "api/workload_validation.h"

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/escaping.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/strip.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include <cmath>
#include <string>

#include "api/label_selector.h"
#include "api/validation.h"
#include "apps.pb.h"
#include "batch.pb.h"
#include "core.pb.h"

namespace gantry::api {
namespace {

using Causes = std::vector<FieldCause>;
using google::protobuf::util::MessageDifferencer;

FieldCause ImmutableCause(std::string field) {
  return {"FieldValueInvalid", std::move(field), "Invalid value: field is immutable"};
}

void NonNegative(int64_t value, std::string field, Causes* causes) {
  if (value < 0) causes->push_back(InvalidCause(std::move(field), std::to_string(value), "must be greater than or equal to 0"));
}

bool IsConfigKey(absl::string_view key) {
  if (key.empty() || key.size() > 253 || key == "." || key == "..") return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

void ValidateKeys(const google::protobuf::Map<std::string, std::string>& data, absl::string_view field, Causes* causes) {
  for (const auto& [key, value] : data) {
    if (!IsConfigKey(key)) {
      causes->push_back(InvalidCause(absl::StrCat(field, "[", key, "]"), key,
                                     "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
    }
  }
}

void ValidateBase64(const google::protobuf::Map<std::string, std::string>& data, absl::string_view field,
                    Causes* causes) {
  for (const auto& [key, value] : data) {
    std::string decoded;
    // The value itself is never echoed: it is a secret.
    if (!absl::Base64Unescape(value, &decoded)) {
      causes->push_back(InvalidCause(absl::StrCat(field, "[", key, "]"), "<value omitted>", "illegal base64 data"));
    }
  }
}

bool SameEntries(const google::protobuf::Map<std::string, std::string>& a,
                 const google::protobuf::Map<std::string, std::string>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [key, value] : a) {
    auto it = b.find(key);
    if (it == b.end() || it->second != value) return false;
  }
  return true;
}

// Once `immutable` is set, neither it nor the data may change.
void ValidateImmutable(bool now_immutable, bool was_immutable, bool same_data, Causes* causes) {
  if (!was_immutable) return;
  if (!now_immutable) causes->push_back(ImmutableCause("immutable"));
  if (!same_data) causes->push_back({"FieldValueForbidden", "data", "Forbidden: field is immutable when `immutable` is set"});
}

// The selector is required and must select the template's pods.
void ValidateSelector(const LabelSelector& selector, const PodTemplateSpec& template_, Causes* causes) {
  if (selector.match_labels().empty() && selector.match_expressions().empty()) {
    causes->push_back(RequiredCause("spec.selector"));
    return;
  }
  auto matcher = LabelMatcher::FromProto(selector);
  if (!matcher.ok()) {
    causes->push_back(InvalidCause("spec.selector", "", matcher.status().message()));
  } else if (!matcher->Matches(template_.metadata().labels())) {
    causes->push_back(InvalidCause("spec.template.metadata.labels", "", "`selector` does not match template `labels`"));
  }
}

void RequireRestartPolicy(const PodTemplateSpec& template_, const std::vector<absl::string_view>& allowed,
                          Causes* causes) {
  const std::string& policy = template_.spec().restart_policy();
  if (std::find(allowed.begin(), allowed.end(), policy) == allowed.end()) {
    causes->push_back(NotSupportedCause("spec.template.spec.restartPolicy", policy, allowed));
  }
}

void ValidateReplicaSet(const ReplicaSet& rs, const ReplicaSet* old, Causes* causes) {
  NonNegative(rs.spec().replicas(), "spec.replicas", causes);
  NonNegative(rs.spec().min_ready_seconds(), "spec.minReadySeconds", causes);
  ValidateSelector(rs.spec().selector(), rs.spec().template_(), causes);
  ValidatePodTemplate(rs.spec().template_(), "spec.template", causes);
  RequireRestartPolicy(rs.spec().template_(), {"Always"}, causes);
  if (old != nullptr && !MessageDifferencer::Equals(rs.spec().selector(), old->spec().selector())) {
    causes->push_back(ImmutableCause("spec.selector"));
  }
}

void ValidateDeployment(const Deployment& deployment, const Deployment* old, Causes* causes) {
  const DeploymentSpec& spec = deployment.spec();
  NonNegative(spec.replicas(), "spec.replicas", causes);
  NonNegative(spec.min_ready_seconds(), "spec.minReadySeconds", causes);
  NonNegative(spec.revision_history_limit(), "spec.revisionHistoryLimit", causes);
  ValidateSelector(spec.selector(), spec.template_(), causes);
  ValidatePodTemplate(spec.template_(), "spec.template", causes);
  RequireRestartPolicy(spec.template_(), {"Always"}, causes);
  const std::string& type = spec.strategy().type();
  if (type == "Recreate") {
    if (spec.strategy().has_rolling_update()) {
      causes->push_back({"FieldValueForbidden", "spec.strategy.rollingUpdate",
                         "Forbidden: may not be specified when strategy `type` is 'Recreate'"});
    }
  } else if (type == "RollingUpdate") {
    const auto& rolling = spec.strategy().rolling_update();
    auto surge = ScaledIntOrPercent(rolling.max_surge(), 100, true);
    auto unavailable = ScaledIntOrPercent(rolling.max_unavailable(), 100, false);
    if (!surge.ok()) causes->push_back(InvalidCause("spec.strategy.rollingUpdate.maxSurge", rolling.max_surge(), surge.status().message()));
    if (!unavailable.ok()) {
      causes->push_back(InvalidCause("spec.strategy.rollingUpdate.maxUnavailable", rolling.max_unavailable(),
                                     unavailable.status().message()));
    } else if (*unavailable > 100 && absl::EndsWith(rolling.max_unavailable(), "%")) {
      causes->push_back(InvalidCause("spec.strategy.rollingUpdate.maxUnavailable", rolling.max_unavailable(),
                                     "must not be greater than 100%"));
    }
    if (surge.ok() && unavailable.ok() && *surge == 0 && *unavailable == 0) {
      causes->push_back(InvalidCause("spec.strategy.rollingUpdate.maxUnavailable", rolling.max_unavailable(),
                                     "may not be 0 when `maxSurge` is 0"));
    }
  } else {
    causes->push_back(NotSupportedCause("spec.strategy.type", type, {"Recreate", "RollingUpdate"}));
  }
  if (old != nullptr && !MessageDifferencer::Equals(spec.selector(), old->spec().selector())) {
    causes->push_back(ImmutableCause("spec.selector"));
  }
}

void ValidateDaemonSet(const DaemonSet& ds, const DaemonSet* old, Causes* causes) {
  const DaemonSetSpec& spec = ds.spec();
  NonNegative(spec.min_ready_seconds(), "spec.minReadySeconds", causes);
  ValidateSelector(spec.selector(), spec.template_(), causes);
  ValidatePodTemplate(spec.template_(), "spec.template", causes);
  RequireRestartPolicy(spec.template_(), {"Always"}, causes);
  const std::string& type = spec.update_strategy().type();
  if (type == "RollingUpdate") {
    const auto& rolling = spec.update_strategy().rolling_update();
    auto unavailable = ScaledIntOrPercent(rolling.max_unavailable(), 100, true);
    auto surge = ScaledIntOrPercent(rolling.max_surge(), 100, true);
    if (!unavailable.ok()) {
      causes->push_back(InvalidCause("spec.updateStrategy.rollingUpdate.maxUnavailable", rolling.max_unavailable(),
                                     unavailable.status().message()));
    }
    if (!surge.ok()) {
      causes->push_back(InvalidCause("spec.updateStrategy.rollingUpdate.maxSurge", rolling.max_surge(), surge.status().message()));
    }
    if (unavailable.ok() && surge.ok() && *unavailable == 0 && *surge == 0) {
      causes->push_back(InvalidCause("spec.updateStrategy.rollingUpdate.maxUnavailable", rolling.max_unavailable(),
                                     "may not be 0 when `maxSurge` is 0"));
    }
  } else if (type != "OnDelete") {
    causes->push_back(NotSupportedCause("spec.updateStrategy.type", type, {"OnDelete", "RollingUpdate"}));
  }
  if (old != nullptr && !MessageDifferencer::Equals(spec.selector(), old->spec().selector())) {
    causes->push_back(ImmutableCause("spec.selector"));
  }
}

void ValidateJob(const Job& job, const Job* old, Causes* causes) {
  const JobSpec& spec = job.spec();
  NonNegative(spec.parallelism(), "spec.parallelism", causes);
  NonNegative(spec.completions(), "spec.completions", causes);
  NonNegative(spec.backoff_limit(), "spec.backoffLimit", causes);
  NonNegative(spec.ttl_seconds_after_finished(), "spec.ttlSecondsAfterFinished", causes);
  if (spec.has_active_deadline_seconds() && spec.active_deadline_seconds() <= 0) {
    causes->push_back(InvalidCause("spec.activeDeadlineSeconds", std::to_string(spec.active_deadline_seconds()),
                                   "must be greater than 0"));
  }
  const std::string& mode = spec.completion_mode();
  if (mode != "NonIndexed" && mode != "Indexed") {
    causes->push_back(NotSupportedCause("spec.completionMode", mode, {"NonIndexed", "Indexed"}));
  } else if (mode == "Indexed" && !spec.has_completions()) {
    causes->push_back(RequiredCause("spec.completions"));
  }
  for (int i = 0; i < spec.pod_failure_policy().rules_size(); ++i) {
    const auto& rule = spec.pod_failure_policy().rules(i);
    std::string path = absl::StrCat("spec.podFailurePolicy.rules[", i, "]");
    if (rule.action() != "FailJob" && rule.action() != "Ignore" && rule.action() != "Count" &&
        rule.action() != "FailIndex") {
      causes->push_back(NotSupportedCause(path + ".action", rule.action(), {"Count", "FailIndex", "FailJob", "Ignore"}));
    }
    const std::string& op = rule.on_exit_codes().operator_();
    if (rule.has_on_exit_codes() && op != "In" && op != "NotIn") {
      causes->push_back(NotSupportedCause(path + ".onExitCodes.operator", op, {"In", "NotIn"}));
    }
    if (rule.has_on_exit_codes() == !rule.on_pod_conditions().empty()) {
      causes->push_back(InvalidCause(path, "", "specifying one of OnExitCodes and OnPodConditions is required"));
    }
  }
  ValidateSelector(spec.selector(), spec.template_(), causes);
  ValidatePodTemplate(spec.template_(), "spec.template", causes);
  RequireRestartPolicy(spec.template_(), {"OnFailure", "Never"}, causes);
  if (old != nullptr) {
    if (!MessageDifferencer::Equals(spec.selector(), old->spec().selector())) causes->push_back(ImmutableCause("spec.selector"));
    if (mode != old->spec().completion_mode()) causes->push_back(ImmutableCause("spec.completionMode"));
    if (spec.completions() != old->spec().completions()) causes->push_back(ImmutableCause("spec.completions"));
  }
}

}  // namespace

absl::StatusOr<int32_t> ScaledIntOrPercent(absl::string_view value, int32_t replicas, bool round_up) {
  int32_t n = 0;
  if (absl::ConsumeSuffix(&value, "%")) {
    if (!absl::SimpleAtoi(value, &n) || n < 0) {
      return absl::InvalidArgumentError("a valid percent string must be a non-negative integer followed by '%'");
    }
    double scaled = static_cast<double>(n) * replicas / 100.0;
    return static_cast<int32_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
  }
  if (!absl::SimpleAtoi(value, &n) || n < 0) {
    return absl::InvalidArgumentError("must be a non-negative integer or a percentage such as '25%'");
  }
  return n;
}

void ValidateWorkload(const KindInfo& kind, const google::protobuf::Message& object,
                      const google::protobuf::Message* old, Causes* causes) {
  if (kind.kind == "ConfigMap") {
    const auto& cm = static_cast<const ConfigMap&>(object);
    ValidateKeys(cm.data(), "data", causes);
    ValidateKeys(cm.binary_data(), "binaryData", causes);
    ValidateBase64(cm.binary_data(), "binaryData", causes);
    for (const auto& [key, value] : cm.binary_data()) {
      if (cm.data().contains(key)) causes->push_back(InvalidCause(absl::StrCat("data[", key, "]"), key, "duplicate of key present in binaryData"));
    }
    if (const auto* before = static_cast<const ConfigMap*>(old)) {
      ValidateImmutable(cm.immutable(), before->immutable(),
                        SameEntries(cm.data(), before->data()) && SameEntries(cm.binary_data(), before->binary_data()),
                        causes);
    }
  } else if (kind.kind == "Secret") {
    const auto& secret = static_cast<const Secret&>(object);
    ValidateKeys(secret.data(), "data", causes);
    ValidateBase64(secret.data(), "data", causes);
    if (const auto* before = static_cast<const Secret*>(old)) {
      if (before->type() != secret.type()) causes->push_back(ImmutableCause("type"));
      ValidateImmutable(secret.immutable(), before->immutable(), SameEntries(secret.data(), before->data()), causes);
    }
  } else if (kind.kind == "ReplicaSet") {
    ValidateReplicaSet(static_cast<const ReplicaSet&>(object), static_cast<const ReplicaSet*>(old), causes);
  } else if (kind.kind == "Deployment") {
    ValidateDeployment(static_cast<const Deployment&>(object), static_cast<const Deployment*>(old), causes);
  } else if (kind.kind == "DaemonSet") {
    ValidateDaemonSet(static_cast<const DaemonSet&>(object), static_cast<const DaemonSet*>(old), causes);
  } else if (kind.kind == "Job") {
    ValidateJob(static_cast<const Job&>(object), static_cast<const Job*>(old), causes);
  }
}

}  // namespace gantry::api
