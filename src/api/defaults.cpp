#include "api/defaults.h"

#include "api/gang.h"

#include <absl/strings/match.h>

#include "api/quantity.h"
#include "api/workload_defaults.h"
#include "scheduling.pb.h"

namespace gantry::api {
namespace {

void DefaultHttpGet(HTTPGetAction* get) {
  if (get->path().empty()) get->set_path("/");
  if (get->scheme().empty()) get->set_scheme("HTTP");
}

void DefaultProbe(Probe* probe) {
  if (probe->timeout_seconds() == 0) probe->set_timeout_seconds(1);
  if (probe->period_seconds() == 0) probe->set_period_seconds(10);
  if (probe->success_threshold() == 0) probe->set_success_threshold(1);
  if (probe->failure_threshold() == 0) probe->set_failure_threshold(3);
  if (probe->has_http_get()) DefaultHttpGet(probe->mutable_http_get());
}

// Kubernetes' 0644 for the files of ConfigMap, Secret, downward API and projected volumes.
constexpr int kDefaultFileMode = 0644;

void DefaultVolume(Volume* v) {
  if (v->has_config_map() && !v->config_map().has_default_mode()) v->mutable_config_map()->set_default_mode(kDefaultFileMode);
  if (v->has_secret() && !v->secret().has_default_mode()) v->mutable_secret()->set_default_mode(kDefaultFileMode);
  if (v->has_downward_api() && !v->downward_api().has_default_mode()) {
    v->mutable_downward_api()->set_default_mode(kDefaultFileMode);
  }
  if (v->has_projected() && !v->projected().has_default_mode()) v->mutable_projected()->set_default_mode(kDefaultFileMode);
}

void DefaultContainer(Container* c) {
  if (c->image_pull_policy().empty()) {
    const std::string& image = c->image();
    size_t slash = image.rfind('/');
    absl::string_view last = slash == std::string::npos ? absl::string_view(image)
                                                       : absl::string_view(image).substr(slash + 1);
    bool latest = last.find(':') == absl::string_view::npos || absl::EndsWith(last, ":latest");
    c->set_image_pull_policy(latest ? "Always" : "IfNotPresent");
  }
  for (auto& port : *c->mutable_ports()) {
    if (port.protocol().empty()) port.set_protocol("TCP");
  }
  if (c->has_liveness_probe()) DefaultProbe(c->mutable_liveness_probe());
  if (c->has_readiness_probe()) DefaultProbe(c->mutable_readiness_probe());
  if (c->has_startup_probe()) DefaultProbe(c->mutable_startup_probe());
  if (c->lifecycle().post_start().has_http_get()) {
    DefaultHttpGet(c->mutable_lifecycle()->mutable_post_start()->mutable_http_get());
  }
  if (c->lifecycle().pre_stop().has_http_get()) DefaultHttpGet(c->mutable_lifecycle()->mutable_pre_stop()->mutable_http_get());
  // A limit without a request requests the limit.
  auto* resources = c->mutable_resources();
  for (const auto& [name, value] : resources->limits()) {
    if (!resources->requests().contains(name)) (*resources->mutable_requests())[name] = value;
  }
}

bool SameQuantity(const std::string& a, const std::string& b) {
  auto qa = Quantity::Parse(a);
  auto qb = Quantity::Parse(b);
  return qa.ok() && qb.ok() && *qa == *qb;
}

}  // namespace

void DefaultPodSpec(PodSpec* spec) {
  if (spec->restart_policy().empty()) spec->set_restart_policy("Always");
  if (!spec->has_termination_grace_period_seconds()) spec->set_termination_grace_period_seconds(30);
  if (spec->scheduler_name().empty()) spec->set_scheduler_name(std::string(kDefaultSchedulerName));
  for (auto& c : *spec->mutable_containers()) DefaultContainer(&c);
  for (auto& c : *spec->mutable_init_containers()) DefaultContainer(&c);
  for (auto& t : *spec->mutable_tolerations()) {
    if (t.operator_().empty()) t.set_operator_("Equal");
  }
  for (auto& v : *spec->mutable_volumes()) DefaultVolume(&v);
}

namespace {

void DefaultPod(Pod* pod) {
  DefaultPodSpec(pod->mutable_spec());
  if (pod->status().phase().empty()) pod->mutable_status()->set_phase("Pending");
  pod->mutable_status()->set_qos_class(QosClassOf(pod->spec()));
}

}  // namespace

std::string QosClassOf(const PodSpec& spec) {
  bool any = false;
  bool guaranteed = true;
  auto check = [&](const Container& c) {
    const auto& req = c.resources().requests();
    const auto& lim = c.resources().limits();
    if (!req.empty() || !lim.empty()) any = true;
    for (const char* r : {"cpu", "memory"}) {
      auto l = lim.find(r);
      auto q = req.find(r);
      if (l == lim.end() || q == req.end() || !SameQuantity(l->second, q->second)) guaranteed = false;
    }
  };
  for (const auto& c : spec.containers()) check(c);
  for (const auto& c : spec.init_containers()) check(c);
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

void ApplyDefaults(const KindInfo& kind, google::protobuf::Message* object) {
  if (kind.kind == "Pod") {
    DefaultPod(static_cast<Pod*>(object));
  } else if (kind.kind == "Namespace") {
    auto* ns = static_cast<Namespace*>(object);
    if (ns->status().phase().empty()) ns->mutable_status()->set_phase("Active");
  } else if (kind.kind == "PriorityClass") {
    auto* pc = static_cast<PriorityClass*>(object);
    if (pc->preemption_policy().empty()) pc->set_preemption_policy("PreemptLowerPriority");
  } else if (const PodGroupShape* shape = FindPodGroupShape(kind)) {
    // Every shape's status is a message with a string phase.
    const auto* status_field = object->GetDescriptor()->FindFieldByName("status");
    auto* status = object->GetReflection()->MutableMessage(object, status_field);
    const auto* phase = status->GetDescriptor()->FindFieldByName("phase");
    if (status->GetReflection()->GetString(*status, phase).empty()) {
      status->GetReflection()->SetString(status, phase, shape->InitialPhase());
    }
  } else if (kind.kind == "Event") {
    auto* ev = static_cast<Event*>(object);
    if (ev->type().empty()) ev->set_type("Normal");
    if (ev->count() == 0) ev->set_count(1);
  } else {
    ApplyWorkloadDefaults(kind, object);
  }
}

}  // namespace gantry::api
