#include <doctest/doctest.h>

#include "api/defaults.h"
#include "api/errors.h"
#include "api/json_codec.h"
#include "api/validation.h"
#include "api/workload_validation.h"
#include "apps.pb.h"
#include "batch.pb.h"
#include "core.pb.h"

using namespace gantry::api;

namespace {

const KindInfo& Kind(const char* group, const char* resource) { return *FindKindByResource(group, "v1", resource); }

Deployment Decoded(const nlohmann::json& doc) {
  Deployment d;
  REQUIRE(DecodeObject(Kind("apps", "deployments"), doc, &d, nullptr).ok());
  return d;
}

std::vector<std::string> CauseFields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const auto& c : DetailsOf(s).causes) out.push_back(c.field);
  return out;
}

const nlohmann::json kDeployment = nlohmann::json::parse(R"({
  "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
  "spec": {"selector": {"matchLabels": {"app": "web"}},
           "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "10%"}},
           "template": {"metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "web:v1"}]}}}})");

}  // namespace

TEST_CASE("maxSurge and maxUnavailable keep their JSON form: a number stays a number, a percentage a string") {
  Deployment d = Decoded(kDeployment);
  CHECK(d.spec().strategy().rolling_update().max_surge() == "1");
  nlohmann::json back = EncodeObject(Kind("apps", "deployments"), d);
  CHECK(back["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 1);
  CHECK(back["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == "10%");
}

TEST_CASE("workload defaults are Kubernetes'") {
  Deployment d = Decoded(kDeployment);
  ApplyDefaults(Kind("apps", "deployments"), &d);
  CHECK(d.spec().replicas() == 1);
  CHECK(d.spec().strategy().type() == "RollingUpdate");
  CHECK(d.spec().revision_history_limit() == 10);
  CHECK(d.spec().progress_deadline_seconds() == 600);
  CHECK(d.spec().template_().spec().restart_policy() == "Always");

  Job job;
  job.mutable_metadata()->set_name("work");
  job.mutable_metadata()->set_uid("u-1");
  ApplyDefaults(Kind("batch", "jobs"), &job);
  CHECK(job.spec().completions() == 1);
  CHECK(job.spec().parallelism() == 1);
  CHECK(job.spec().backoff_limit() == 6);
  CHECK(job.spec().completion_mode() == "NonIndexed");
  CHECK(job.spec().selector().match_labels().at("batch.kubernetes.io/controller-uid") == "u-1");
  CHECK(job.spec().template_().metadata().labels().at("job-name") == "work");

  Secret secret;
  (*secret.mutable_string_data())["password"] = "s3cret";
  ApplyDefaults(Kind("", "secrets"), &secret);
  CHECK(secret.type() == "Opaque");
  CHECK(secret.data().at("password") == "czNjcmV0");
  CHECK(secret.string_data().empty());
}

TEST_CASE("workload validation names the offending fields") {
  Deployment d = Decoded(kDeployment);
  ApplyDefaults(Kind("apps", "deployments"), &d);
  CHECK(Validate(Kind("apps", "deployments"), d, nullptr).ok());

  Deployment mismatched = d;
  (*mismatched.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = "other";
  CHECK(CauseFields(Validate(Kind("apps", "deployments"), mismatched, nullptr)) ==
        std::vector<std::string>{"spec.template.metadata.labels"});
  CHECK(CauseFields(Validate(Kind("apps", "deployments"), mismatched, &d)) ==
        std::vector<std::string>{"spec.template.metadata.labels", "spec.selector"});  // and immutable

  Deployment bad = d;
  bad.mutable_spec()->mutable_template_()->mutable_spec()->set_restart_policy("Never");
  bad.mutable_spec()->mutable_strategy()->mutable_rolling_update()->set_max_surge("x%");
  bad.mutable_spec()->mutable_template_()->mutable_spec()->mutable_containers(0)->clear_name();
  CHECK(CauseFields(Validate(Kind("apps", "deployments"), bad, nullptr)) ==
        std::vector<std::string>{"spec.template.spec.containers[0].name", "spec.template.spec.restartPolicy",
                                 "spec.strategy.rollingUpdate.maxSurge"});

  Job job;
  job.mutable_metadata()->set_name("work");
  job.mutable_metadata()->set_uid("u-1");
  auto* container = job.mutable_spec()->mutable_template_()->mutable_spec()->add_containers();
  container->set_name("c");
  container->set_image("busybox");
  ApplyDefaults(Kind("batch", "jobs"), &job);
  CHECK(CauseFields(Validate(Kind("batch", "jobs"), job, nullptr)) ==
        std::vector<std::string>{"spec.template.spec.restartPolicy"});  // Always is not for Jobs

  Secret secret;
  secret.mutable_metadata()->set_name("creds");
  secret.mutable_metadata()->set_namespace_("default");
  (*secret.mutable_data())["key"] = "not base64!";
  auto invalid = Validate(Kind("", "secrets"), secret, nullptr);
  CHECK(CauseFields(invalid) == std::vector<std::string>{"data[key]"});
  CHECK(invalid.message().find("not base64!") == std::string::npos);  // a secret value is never echoed
}

TEST_CASE("maxSurge and maxUnavailable scale against replicas as Kubernetes rounds them") {
  CHECK(*ScaledIntOrPercent("25%", 10, true) == 3);
  CHECK(*ScaledIntOrPercent("25%", 10, false) == 2);
  CHECK(*ScaledIntOrPercent("2", 10, true) == 2);
  CHECK_FALSE(ScaledIntOrPercent("-1", 10, true).ok());
  CHECK_FALSE(ScaledIntOrPercent("a%", 10, true).ok());
}
