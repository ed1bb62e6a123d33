#include <doctest/doctest.h>

#include <set>

#include "api/pod_template.h"
#include "controllers/job.h"
#include "workload_fixture.h"

using namespace gantry;

namespace {

api::Job NewJob(int completions, int parallelism, int backoff_limit) {
  api::Job job;
  job.mutable_metadata()->set_name("work");
  job.mutable_spec()->set_completions(completions);
  job.mutable_spec()->set_parallelism(parallelism);
  job.mutable_spec()->set_backoff_limit(backoff_limit);
  *job.mutable_spec()->mutable_template_() = WorkloadFixture::Template("work", "busybox", "Never");
  return job;
}

std::string TrueCondition(const api::Job& job) {
  for (const auto& c : job.status().conditions()) {
    if (c.status() == "True") return c.type() + "/" + c.reason();
  }
  return "";
}

}  // namespace

TEST_CASE("a Job runs parallelism pods at a time until completions succeed") {
  WorkloadFixture f;
  api::Job job = f.Created(f.jobs, NewJob(3, 2, 6));
  CHECK(job.spec().selector().match_labels().at(std::string(api::kJobControllerUidLabel)) == job.metadata().uid());
  controllers::JobController controller(f.api);
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  auto pods = f.Pods("job-name=work");
  REQUIRE(pods.size() == 2);
  for (const auto& pod : pods) f.SetPhase(pod, "Succeeded");
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  CHECK(f.Pods("job-name=work").size() == 3);
  CHECK(f.Read<api::Job>(f.jobs, "work").status().succeeded() == 2);
  for (const auto& pod : f.Pods("job-name=work")) {
    if (pod.status().phase() != "Succeeded") f.SetPhase(pod, "Succeeded");
  }
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  api::Job done = f.Read<api::Job>(f.jobs, "work");
  CHECK(TrueCondition(done) == "Complete/");
  CHECK(done.status().succeeded() == 3);
  CHECK_FALSE(done.status().completion_time().empty());
}

TEST_CASE("a Job fails once its failed pods pass backoffLimit, and replaces a failure only after a backoff") {
  WorkloadFixture f;
  f.Created(f.jobs, NewJob(1, 1, 1));
  controllers::JobController controller(f.api);
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  f.SetPhase(f.Pods("job-name=work")[0], "Failed", 3);
  auto wait = controller.Reconcile("default/work", absl::Now());
  REQUIRE(wait.ok());
  CHECK(*wait > absl::ZeroDuration());  // the 10 s backoff
  CHECK(f.Pods("job-name=work").size() == 1);
  REQUIRE(controller.Reconcile("default/work", absl::Now() + absl::Seconds(11)).ok());
  auto pods = f.Pods("job-name=work");
  REQUIRE(pods.size() == 2);
  for (const auto& pod : pods) {
    if (pod.status().phase() != "Failed") f.SetPhase(pod, "Failed", 3);
  }
  REQUIRE(controller.Reconcile("default/work", absl::Now() + absl::Seconds(40)).ok());
  api::Job failed = f.Read<api::Job>(f.jobs, "work");
  CHECK(TrueCondition(failed) == "Failed/BackoffLimitExceeded");
  CHECK(failed.status().failed() == 2);
}

TEST_CASE("podFailurePolicy ignores an exit code, and fails the Job at once on another") {
  WorkloadFixture f;
  api::Job job = NewJob(1, 1, 6);
  auto* ignore = job.mutable_spec()->mutable_pod_failure_policy()->add_rules();
  ignore->set_action("Ignore");
  ignore->mutable_on_exit_codes()->set_operator_("In");
  ignore->mutable_on_exit_codes()->add_values(42);
  auto* fail = job.mutable_spec()->mutable_pod_failure_policy()->add_rules();
  fail->set_action("FailJob");
  fail->mutable_on_exit_codes()->set_operator_("In");
  fail->mutable_on_exit_codes()->add_values(7);
  f.Created(f.jobs, job);
  controllers::JobController controller(f.api);
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  f.SetPhase(f.Pods("job-name=work")[0], "Failed", 42);
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  CHECK(f.Read<api::Job>(f.jobs, "work").status().failed() == 0);
  CHECK(f.Pods("job-name=work").size() == 2);  // replaced at once: an ignored failure has no backoff
  for (const auto& pod : f.Pods("job-name=work")) {
    if (pod.status().phase() != "Failed") f.SetPhase(pod, "Failed", 7);
  }
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  CHECK(TrueCondition(f.Read<api::Job>(f.jobs, "work")) == "Failed/PodFailurePolicy");
}

TEST_CASE("an Indexed Job gives each pod its index, and completes when every index succeeded") {
  WorkloadFixture f;
  api::Job job = NewJob(3, 3, 6);
  job.mutable_spec()->set_completion_mode("Indexed");
  f.Created(f.jobs, job);
  controllers::JobController controller(f.api);
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  auto pods = f.Pods("job-name=work");
  REQUIRE(pods.size() == 3);
  std::set<std::string> indexes;
  for (const auto& pod : pods) {
    std::string index = pod.metadata().annotations().at(std::string(api::kJobCompletionIndexAnnotation));
    indexes.insert(index);
    CHECK(pod.spec().hostname() == "work-" + index);
    bool env = false;
    for (const auto& e : pod.spec().containers(0).env()) env |= e.name() == "JOB_COMPLETION_INDEX" && e.value() == index;
    CHECK(env);
    f.SetPhase(pod, "Succeeded");
  }
  CHECK(indexes == std::set<std::string>{"0", "1", "2"});
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  api::Job done = f.Read<api::Job>(f.jobs, "work");
  CHECK(TrueCondition(done) == "Complete/");
  CHECK(done.status().completed_indexes() == "0-2");
}

TEST_CASE("a finished Job is deleted ttlSecondsAfterFinished later") {
  WorkloadFixture f;
  api::Job job = NewJob(1, 1, 6);
  job.mutable_spec()->set_ttl_seconds_after_finished(60);
  f.Created(f.jobs, job);
  controllers::JobController controller(f.api);
  REQUIRE(controller.Reconcile("default/work", absl::Now()).ok());
  f.SetPhase(f.Pods("job-name=work")[0], "Succeeded");
  auto wait = controller.Reconcile("default/work", absl::Now());
  REQUIRE(wait.ok());
  CHECK(*wait == absl::Seconds(60));
  REQUIRE(controller.Reconcile("default/work", absl::Now() + absl::Seconds(30)).ok());
  CHECK(f.store->Get(f.jobs, "default", "work").ok());
  REQUIRE(controller.Reconcile("default/work", absl::Now() + absl::Seconds(61)).ok());
  CHECK(absl::IsNotFound(f.store->Get(f.jobs, "default", "work").status()));
}
