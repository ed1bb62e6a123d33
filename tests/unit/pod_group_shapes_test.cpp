#include <doctest/doctest.h>

#include "api/gang.h"
#include "scheduling.pb.h"
#include "yaml_objects.h"

using namespace gantry;
using namespace gantry::api;

TEST_CASE("each PodGroup shape reads its spec into the one gang model") {
  auto gantry = FromYaml<PodGroup>(
      "metadata: {name: train}\nspec:\n  minMember: 8\n  scheduleTimeoutSeconds: 60\n  priorityClassName: high\n"
      "  minResources: {cpu: '8'}\n"
      "  affinity: {podGroupAffinity: {required: [{topologyKey: topology.gantry.io/switch}], "
      "preferred: [{topologyKey: zone}]}}\n");
  const PodGroupShape* shape = FindPodGroupShape(*gantry);
  REQUIRE(shape != nullptr);
  GangSpec spec = shape->Spec(*gantry);
  CHECK(spec.min_member == 8);
  CHECK(EffectiveScheduleTimeout(spec) == absl::Seconds(60));
  CHECK(spec.priority_class_name == "high");
  CHECK(spec.min_resources.at("cpu") == "8");
  CHECK(spec.required_topology_keys == std::vector<std::string>{"topology.gantry.io/switch"});
  CHECK(spec.preferred_topology_keys == std::vector<std::string>{"zone"});

  auto cosched = FromYaml<CoschedulingPodGroup>("metadata: {name: nginx}\nspec: {minMember: 3, scheduleTimeoutSeconds: 0}\n");
  GangSpec c = FindPodGroupShape(*cosched)->Spec(*cosched);
  CHECK(c.min_member == 3);
  CHECK(EffectiveScheduleTimeout(c) == kDefaultGangScheduleTimeout);  // 0 means the default

  auto volcano = FromYaml<VolcanoPodGroup>("metadata: {name: test}\nspec: {minMember: 0, queue: research}\n");
  GangSpec v = FindPodGroupShape(*volcano)->Spec(*volcano);
  CHECK(EffectiveMinMember(v) == 1);
  CHECK(v.queue == "research");
}

TEST_CASE("pods join a group by the label or annotation their project documents") {
  auto by_gantry = FromYaml<Pod>("metadata: {name: a, labels: {scheduling.gantry.io/pod-group: g}}\n");
  auto by_label = FromYaml<Pod>("metadata: {name: b, labels: {scheduling.x-k8s.io/pod-group: nginx}}\n");
  auto by_annotation = FromYaml<Pod>("metadata: {name: c, annotations: {scheduling.k8s.io/group-name: test}}\n");
  auto by_volcano = FromYaml<Pod>("metadata: {name: d, annotations: {scheduling.volcano.sh/group-name: test}}\n");
  auto none = FromYaml<Pod>("metadata: {name: e}\n");
  CHECK(GangOf(*by_gantry)->Key("default") == "scheduling.gantry.io/default/g");
  CHECK(GangOf(*by_label)->Key("default") == "scheduling.x-k8s.io/default/nginx");
  CHECK(GangOf(*by_annotation)->Key("ns") == "scheduling.volcano.sh/ns/test");
  CHECK(GangOf(*by_volcano)->name == "test");
  CHECK_FALSE(GangOf(*none).has_value());
}

TEST_CASE("status is written in each shape's vocabulary") {
  GangSpec spec;
  spec.min_member = 2;
  auto seen = [](int32_t scheduled, int32_t succeeded, bool timed_out, const char* now) {
    GangObservation o;
    o.members = 2;
    o.scheduled = scheduled;
    o.succeeded = succeeded;
    o.timed_out = timed_out;
    o.now = now;
    return o;
  };
  GangObservation waiting = seen(0, 0, true, "2026-12-02T00:00:00Z");
  GangObservation bound = seen(2, 0, false, "2026-12-02T00:00:01Z");
  GangObservation done = seen(2, 2, false, "2026-12-02T00:00:02Z");

  PodGroup g;
  const PodGroupShape& gantry = *FindPodGroupShape(g);
  gantry.WriteStatus(spec, waiting, &g);
  CHECK(g.status().phase() == "Timeout");
  gantry.WriteStatus(spec, bound, &g);
  CHECK(g.status().phase() == "Scheduled");
  CHECK(g.status().scheduled() == 2);
  gantry.WriteStatus(spec, done, &g);
  CHECK(g.status().phase() == "Finished");

  CoschedulingPodGroup c;
  const PodGroupShape& cosched = *FindPodGroupShape(c);
  cosched.WriteStatus(spec, waiting, &c);
  CHECK(c.status().phase() == "Scheduling");
  cosched.WriteStatus(spec, done, &c);
  CHECK(c.status().phase() == "Finished");

  VolcanoPodGroup v;
  const PodGroupShape& volcano = *FindPodGroupShape(v);
  volcano.WriteStatus(spec, waiting, &v);
  CHECK(v.status().phase() == "Inqueue");
  REQUIRE(v.status().conditions_size() == 2);
  CHECK(v.status().conditions(1).type() == "Unschedulable");
  CHECK(v.status().conditions(1).status() == "True");
  volcano.WriteStatus(spec, bound, &v);
  CHECK(v.status().phase() == "Running");
  CHECK(v.status().conditions(0).status() == "True");
  CHECK(v.status().conditions(0).last_transition_time() == "2026-12-02T00:00:01Z");
  volcano.WriteStatus(spec, done, &v);
  CHECK(v.status().phase() == "Completed");
}
