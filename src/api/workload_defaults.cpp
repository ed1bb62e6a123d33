#include "api/workload_defaults.h"

#include <absl/strings/escaping.h>

#include "api/defaults.h"
#include "api/pod_template.h"
#include "apps.pb.h"
#include "batch.pb.h"
#include "core.pb.h"

namespace gantry::api {
namespace {

void DefaultSecret(Secret* secret) {
  if (secret->type().empty()) secret->set_type("Opaque");
  // stringData is write-only: merged into data, never stored.
  for (const auto& [key, value] : secret->string_data()) (*secret->mutable_data())[key] = absl::Base64Escape(value);
  secret->clear_string_data();
}

void DefaultReplicaSet(ReplicaSet* rs) {
  if (!rs->spec().has_replicas()) rs->mutable_spec()->set_replicas(1);
  DefaultPodSpec(rs->mutable_spec()->mutable_template_()->mutable_spec());
}

void DefaultDeployment(Deployment* deployment) {
  DeploymentSpec* spec = deployment->mutable_spec();
  if (!spec->has_replicas()) spec->set_replicas(1);
  if (spec->strategy().type().empty()) spec->mutable_strategy()->set_type("RollingUpdate");
  if (spec->strategy().type() == "RollingUpdate") {
    auto* rolling = spec->mutable_strategy()->mutable_rolling_update();
    if (rolling->max_unavailable().empty()) rolling->set_max_unavailable("25%");
    if (rolling->max_surge().empty()) rolling->set_max_surge("25%");
  }
  if (!spec->has_revision_history_limit()) spec->set_revision_history_limit(10);
  if (!spec->has_progress_deadline_seconds()) spec->set_progress_deadline_seconds(600);
  DefaultPodSpec(spec->mutable_template_()->mutable_spec());
}

void DefaultDaemonSet(DaemonSet* ds) {
  DaemonSetSpec* spec = ds->mutable_spec();
  if (spec->update_strategy().type().empty()) spec->mutable_update_strategy()->set_type("RollingUpdate");
  if (spec->update_strategy().type() == "RollingUpdate") {
    auto* rolling = spec->mutable_update_strategy()->mutable_rolling_update();
    if (rolling->max_unavailable().empty()) rolling->set_max_unavailable("1");
    if (rolling->max_surge().empty()) rolling->set_max_surge("0");
  }
  if (!spec->has_revision_history_limit()) spec->set_revision_history_limit(10);
  DefaultPodSpec(spec->mutable_template_()->mutable_spec());
}

void DefaultJob(Job* job) {
  JobSpec* spec = job->mutable_spec();
  if (!spec->has_completions() && !spec->has_parallelism()) spec->set_completions(1);
  if (!spec->has_parallelism()) spec->set_parallelism(1);
  if (!spec->has_backoff_limit()) spec->set_backoff_limit(6);
  if (spec->completion_mode().empty()) spec->set_completion_mode("NonIndexed");
  if (!spec->has_suspend()) spec->set_suspend(false);
  if (!spec->has_manual_selector()) spec->set_manual_selector(false);
  // As Kubernetes does: the Job's pods are selected by its uid, which no
  // other object's pods can carry.
  const std::string& uid = job->metadata().uid();
  if (!spec->manual_selector() && !uid.empty()) {
    auto* labels = spec->mutable_template_()->mutable_metadata()->mutable_labels();
    (*labels)[std::string(kJobControllerUidLabel)] = uid;
    (*labels)[std::string(kJobNameLabel)] = job->metadata().name();
    (*labels)["controller-uid"] = uid;
    (*labels)["job-name"] = job->metadata().name();
    if (spec->selector().match_labels().empty() && spec->selector().match_expressions().empty()) {
      (*spec->mutable_selector()->mutable_match_labels())[std::string(kJobControllerUidLabel)] = uid;
    }
  }
  DefaultPodSpec(spec->mutable_template_()->mutable_spec());
}

}  // namespace

void ApplyWorkloadDefaults(const KindInfo& kind, google::protobuf::Message* object) {
  if (kind.kind == "Secret") {
    DefaultSecret(static_cast<Secret*>(object));
  } else if (kind.kind == "ReplicaSet") {
    DefaultReplicaSet(static_cast<ReplicaSet*>(object));
  } else if (kind.kind == "Deployment") {
    DefaultDeployment(static_cast<Deployment*>(object));
  } else if (kind.kind == "DaemonSet") {
    DefaultDaemonSet(static_cast<DaemonSet*>(object));
  } else if (kind.kind == "Job") {
    DefaultJob(static_cast<Job*>(object));
  }
}

}  // namespace gantry::api
