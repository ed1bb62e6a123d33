// A store as the workload controllers see it (the API's create path over a
// real SQLite store, with the default namespace), and the few writes their
// tests make in the role of the scheduler and the node agents.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/object_meta.h"
#include "api/pod_conditions.h"
#include "apiserver/admitting_store.h"
#include "apps.pb.h"
#include "common/time_format.h"
#include "batch.pb.h"
#include "core.pb.h"
#include "temp_store.h"

struct WorkloadFixture : TempStore {
  gantry::apiserver::AdmittingStore api{*store};
  const gantry::api::KindInfo& replica_sets = *gantry::api::FindKindByResource("apps", "v1", "replicasets");
  const gantry::api::KindInfo& deployments = *gantry::api::FindKindByResource("apps", "v1", "deployments");
  const gantry::api::KindInfo& jobs = *gantry::api::FindKindByResource("batch", "v1", "jobs");

  WorkloadFixture() {
    auto ns = std::make_unique<gantry::api::Namespace>();
    ns->mutable_metadata()->set_name("default");
    REQUIRE(store->Create(*gantry::api::FindKindByResource("", "v1", "namespaces"), std::move(ns)).ok());
  }

  static gantry::api::PodTemplateSpec Template(const std::string& app, const std::string& image,
                                               const std::string& restart_policy = "Always") {
    gantry::api::PodTemplateSpec t;
    (*t.mutable_metadata()->mutable_labels())["app"] = app;
    auto* c = t.mutable_spec()->add_containers();
    c->set_name("main");
    c->set_image(image);
    c->add_command("sleep");
    t.mutable_spec()->set_restart_policy(restart_policy);
    return t;
  }

  template <typename T>
  T Read(const gantry::api::KindInfo& kind, const std::string& name) {
    auto object = store->Get(kind, "default", name);
    REQUIRE(object.ok());
    return static_cast<const T&>(**object);
  }

  template <typename T>
  T Created(const gantry::api::KindInfo& kind, T object) {
    object.mutable_metadata()->set_namespace_("default");
    auto created = api.Create(kind, std::make_unique<T>(std::move(object)));
    REQUIRE(created.ok());
    return static_cast<const T&>(**created);
  }

  template <typename T>
  void Write(const gantry::api::KindInfo& kind, const T& object) {
    REQUIRE(store->Update(kind, std::make_unique<T>(object)).ok());
  }

  std::vector<gantry::api::Pod> Pods(const std::string& selector = "") {
    gantry::store::ListOptions options;
    options.namespace_ = "default";
    if (!selector.empty()) options.labels = *gantry::api::LabelMatcher::Parse(selector);
    auto list = store->List(pods, options);
    REQUIRE(list.ok());
    std::vector<gantry::api::Pod> out;
    for (const auto& item : list->items) out.push_back(static_cast<const gantry::api::Pod&>(*item));
    return out;
  }

  // What the binder and the agent would write: bound, then the phase (Ready when Running).
  void SetPhase(const gantry::api::Pod& pod, const std::string& phase, int exit_code = 0,
                const std::string& node = "node-a") {
    gantry::api::Pod updated = Read<gantry::api::Pod>(pods, pod.metadata().name());
    updated.mutable_spec()->set_node_name(node);
    updated.mutable_status()->set_phase(phase);
    gantry::api::SetPodCondition(updated, "Ready", phase == "Running" ? "True" : "False", "", "");
    if (phase == "Failed" || phase == "Succeeded") {
      auto* cs = updated.mutable_status()->add_container_statuses();
      cs->set_name("main");
      cs->mutable_state()->mutable_terminated()->set_exit_code(exit_code);
      cs->mutable_state()->mutable_terminated()->set_finished_at(gantry::NowRfc3339());
    }
    Write(pods, updated);
  }
};

// Polls `done` for up to five seconds (for controllers started on their watches).
inline bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 100; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}
