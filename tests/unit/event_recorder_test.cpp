#include <doctest/doctest.h>

#include "api/container_events.h"
#include "store/event_recorder.h"
#include "temp_store.h"

using namespace gantry;

namespace {

const api::KindInfo& Events() { return *api::FindKindByResource("", "v1", "events"); }

std::vector<api::Event> ListEvents(TempStore& t) {
  auto listed = t.store->List(Events(), {});
  REQUIRE(listed.ok());
  std::vector<api::Event> out;
  for (const auto& o : listed->items) out.push_back(static_cast<const api::Event&>(*o));
  return out;
}

api::Pod NamedPod(const std::string& name) {
  api::Pod pod;
  pod.mutable_metadata()->set_name(name);
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_metadata()->set_uid("uid-" + name);
  return pod;
}

}  // namespace

TEST_CASE("repeats of an Event raise its count and series instead of adding Events") {
  TempStore t;
  store::EventRecorder recorder(*t.store);
  api::Pod pod = NamedPod("p");
  api::EventSpec failed{.type = "Warning", .reason = "FailedScheduling", .message = "0/1 nodes", .component = "s"};
  recorder.Record(t.pods, pod, failed);
  recorder.Flush();
  for (int i = 0; i < 4; ++i) recorder.Record(t.pods, pod, failed);
  recorder.Record(t.pods, pod, {.reason = "Scheduled", .message = "to n1", .component = "s"});
  recorder.Flush();
  auto events = ListEvents(t);
  REQUIRE(events.size() == 2);
  for (const auto& e : events) {
    if (e.reason() == "FailedScheduling") {
      CHECK(e.count() == 5);
      CHECK(e.series().count() == 5);
      CHECK_FALSE(e.series().last_observed_time().empty());
    } else {
      CHECK(e.count() == 1);
      CHECK(e.involved_object().uid() == "uid-p");
    }
  }
}

TEST_CASE("an aggregated Event deleted meanwhile (expired) is written again") {
  TempStore t;
  store::EventRecorder recorder(*t.store);
  api::Pod pod = NamedPod("q");
  recorder.Record(t.pods, pod, {.reason = "BackOff", .message = "m", .component = "a"});
  recorder.Flush();
  auto events = ListEvents(t);
  REQUIRE(events.size() == 1);
  REQUIRE(t.store->Delete(Events(), "default", events[0].metadata().name()).ok());
  recorder.Record(t.pods, pod, {.reason = "BackOff", .message = "m", .component = "a"});
  recorder.Flush();  // the update finds nothing
  recorder.Flush();  // and the next flush creates it
  CHECK(ListEvents(t).size() == 1);
}

TEST_CASE("a node's status report implies kubelet's container Events, each once") {
  api::PodStatus before;
  api::PodStatus after;
  auto* c = after.add_container_statuses();
  c->set_name("main");
  c->mutable_state()->mutable_running()->set_started_at("2026-12-02T10:00:00Z");
  auto events = api::ContainerEvents(before, after, "gantry-agent/n1");
  REQUIRE(events.size() == 2);
  CHECK(events[0].reason == "Created");
  CHECK(events[1].reason == "Started");
  CHECK(events[1].message == "Started container main");
  CHECK(api::ContainerEvents(after, after, "a").empty());

  api::PodStatus crashed;
  auto* d = crashed.add_container_statuses();
  d->set_name("main");
  d->set_restart_count(1);
  d->mutable_state()->mutable_waiting()->set_reason("CrashLoopBackOff");
  d->mutable_last_state()->mutable_terminated()->set_reason("OOMKilled");
  d->mutable_last_state()->mutable_terminated()->set_finished_at("2026-12-02T10:00:05Z");
  events = api::ContainerEvents(after, crashed, "a");
  REQUIRE(events.size() == 2);
  CHECK(events[0].reason == "OOMKilling");
  CHECK(events[1].reason == "BackOff");
  CHECK(events[1].type == "Warning");
  CHECK(api::ContainerEvents(crashed, crashed, "a").empty());

  api::PodStatus unstartable;
  auto* u = unstartable.add_container_statuses();
  u->set_name("main");
  u->mutable_state()->mutable_waiting()->set_reason("CreateContainerConfigError");
  u->mutable_state()->mutable_waiting()->set_message("the container needs a command");
  events = api::ContainerEvents(before, unstartable, "a");
  REQUIRE(events.size() == 1);
  CHECK(events[0].message == "Error: the container needs a command");
}

TEST_CASE("one-off Events are not remembered without bound") {
  TempStore t;
  store::EventRecorder recorder(*t.store);
  for (int i = 0; i < 5000; ++i) {
    recorder.Record(t.pods, NamedPod("p" + std::to_string(i)), {.reason = "Scheduled", .message = "to n1", .component = "s"});
  }
  recorder.Flush();
  recorder.Flush();  // forgets the oldest written series beyond the cap
  recorder.Record(t.pods, NamedPod("p0"), {.reason = "Scheduled", .message = "to n1", .component = "s"});
  recorder.Record(t.pods, NamedPod("p4999"), {.reason = "Scheduled", .message = "to n1", .component = "s"});
  recorder.Flush();
  auto events = ListEvents(t);
  CHECK(events.size() == 5001);  // p0's repeat is a new Event; p4999's raised its count
  int raised = 0;
  for (const auto& e : events) raised += e.count() == 2 ? 1 : 0;
  CHECK(raised == 1);
}
