// One gang model for every PodGroup shape gantry accepts. Each shape
// (gantry's own, scheduler-plugins' coscheduling, Volcano's) is an adapter
// in api/pod_group/: it reads its kind's spec into a GangSpec, says which
// of its groups a pod joins (a label or an annotation, as that project
// documents), and writes observed state back in its own status vocabulary.
// The dispatcher, scheduler, binder and status controller see only this.
#pragma once

#include <absl/time/time.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/kinds.h"
#include "core.pb.h"

namespace gantry::api {

inline constexpr absl::Duration kDefaultGangScheduleTimeout = absl::Seconds(300);

struct GangSpec {
  int32_t min_member = 1;
  // Quantities by resource name, as written ("4", "8Gi").
  std::map<std::string, std::string> min_resources;
  // As written; 0 (or absent) means kDefaultGangScheduleTimeout.
  int32_t schedule_timeout_seconds = 0;
  std::string priority_class_name;
  std::string queue;
  // Node label keys: every pod of the gang in one domain of each required
  // key; preferably in one domain of a preferred key.
  std::vector<std::string> required_topology_keys;
  std::vector<std::string> preferred_topology_keys;
};

// What the PodGroup status controller observed of a gang's pods.
struct GangObservation {
  int32_t members = 0;    // pods that name the group and are not being deleted
  int32_t scheduled = 0;  // bound to a node (including finished ones)
  int32_t running = 0;
  int32_t succeeded = 0;
  int32_t failed = 0;
  // scheduleTimeoutSeconds passed since the first member was seen without
  // minMember bound.
  bool timed_out = false;
  std::string schedule_start_time;  // RFC 3339, when scheduling of the gang began
  std::string now;                  // RFC 3339, for condition transition times
};

class PodGroupShape {
 public:
  virtual ~PodGroupShape() = default;
  virtual const KindInfo& kind() const = 0;
  virtual GangSpec Spec(const google::protobuf::Message& group) const = 0;
  // The smallest minMember the shape allows (Volcano and scheduler-plugins
  // allow 0, which gantry reads as 1).
  virtual int32_t min_member_floor() const { return 1; }
  // The name of the group of this shape that `pod` joins, or "".
  virtual std::string GroupOf(const Pod& pod) const = 0;
  // The status phase of a group just created.
  virtual std::string InitialPhase() const { return "Pending"; }
  // Writes `seen` into the group's status in this shape's vocabulary.
  virtual void WriteStatus(const GangSpec& spec, const GangObservation& seen,
                           google::protobuf::Message* group) const = 0;
};

const std::vector<const PodGroupShape*>& PodGroupShapes();
const PodGroupShape* FindPodGroupShape(const KindInfo& kind);
// The shape whose message type `group` is.
const PodGroupShape* FindPodGroupShape(const google::protobuf::Message& group);

// A group's status as the tables print it; counts a shape does not report
// are nullopt.
struct PodGroupSummary {
  std::string phase;
  int32_t min_member = 0;
  std::optional<int32_t> scheduled, running, succeeded, failed;
};
PodGroupSummary SummarizePodGroup(const PodGroupShape& shape, const google::protobuf::Message& group);

// The group a pod joins, through the first shape that names one.
struct GangRef {
  const PodGroupShape* shape = nullptr;
  std::string name;
  // "group/namespace/name": unique across shapes.
  std::string Key(absl::string_view namespace_) const;
};
std::optional<GangRef> GangOf(const Pod& pod);

// The effective minMember of a spec (at least 1).
int32_t EffectiveMinMember(const GangSpec& spec);
absl::Duration EffectiveScheduleTimeout(const GangSpec& spec);

}  // namespace gantry::api
