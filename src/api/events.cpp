#include "api/events.h"

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include "api/object_meta.h"
#include "common/time_format.h"

namespace gantry::api {

std::unique_ptr<Event> NewEvent(const KindInfo& kind, const google::protobuf::Message& object, const EventSpec& spec) {
  auto event = std::make_unique<Event>();
  const ObjectMeta& meta = MetaOf(object);
  std::string now = NowRfc3339();
  event->mutable_metadata()->set_name(absl::StrCat(meta.name(), ".", absl::Hex(absl::GetCurrentTimeNanos())));
  event->mutable_metadata()->set_namespace_(meta.namespace_().empty() ? "default" : meta.namespace_());
  auto* ref = event->mutable_involved_object();
  ref->set_kind(std::string(kind.kind));
  ref->set_api_version(kind.ApiVersion());
  ref->set_namespace_(meta.namespace_());
  ref->set_name(meta.name());
  ref->set_uid(meta.uid());
  event->set_reason(spec.reason);
  event->set_message(spec.message);
  event->set_type(spec.type);
  event->mutable_source()->set_component(spec.component);
  event->set_reporting_component(spec.component);
  event->set_first_timestamp(now);
  event->set_last_timestamp(now);
  event->set_count(1);
  return event;
}

}  // namespace gantry::api
