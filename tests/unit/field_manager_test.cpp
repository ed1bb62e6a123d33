#include <doctest/doctest.h>

#include "api/errors.h"
#include "api/json_codec.h"
#include "api/kinds.h"
#include "apiserver/field_manager.h"
#include "core.pb.h"

using namespace gantry;
using apiserver::AppliedObject;
using apiserver::ApplyConfiguration;
using apiserver::FieldOwner;
using nlohmann::json;

namespace {
const api::KindInfo& PodKind() { return *api::FindKindByApiVersion("v1", "Pod"); }

json Config(const std::string& image, const json& labels) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "p"}, {"labels", labels}}},
          {"spec", {{"containers", json::array({{{"name", "web"}, {"image", image}}})}}}};
}

AppliedObject Apply(const AppliedObject& live, const json& config, const std::string& manager, bool force = false) {
  auto applied = ApplyConfiguration(PodKind(), live.object, live.managed_fields, config, FieldOwner{manager, ""},
                                    force, absl::Now());
  INFO(applied.status().ToString());
  REQUIRE(applied.ok());
  return *applied;
}

const AppliedObject kNothing{json::object(), {}};

bool Mentions(const json& entry, const std::string& element) {
  return entry["fieldsV1"].dump().find(element) != std::string::npos;
}

json ManagerEntry(const apiserver::ManagedFields& entries, const std::string& manager) {
  for (const api::ManagedFieldsEntry& e : entries) {
    if (e.manager() == manager) return api::EncodeJson(e);
  }
  return nullptr;
}

json ManagerEntry(const AppliedObject& applied, const std::string& manager) {
  return ManagerEntry(applied.managed_fields, manager);
}
}  // namespace

TEST_CASE("apply records the applier's fields and removes the ones it stops applying") {
  AppliedObject live = Apply(kNothing, Config("nginx:1", {{"a", "1"}, {"b", "2"}}), "deploy");
  json entry = ManagerEntry(live, "deploy");
  REQUIRE(entry.is_object());
  CHECK(entry["operation"] == "Apply");
  CHECK(entry["apiVersion"] == "v1");
  CHECK(entry["fieldsType"] == "FieldsV1");
  CHECK(entry["fieldsV1"]["f:metadata"]["f:labels"].contains("f:b"));

  AppliedObject next = Apply(live, Config("nginx:1", {{"a", "1"}}), "deploy");
  CHECK(next.object["metadata"]["labels"] == json{{"a", "1"}});
  CHECK_FALSE(ManagerEntry(next, "deploy")["fieldsV1"]["f:metadata"]["f:labels"].contains("f:b"));
}

TEST_CASE("a field another applier owns with another value is a conflict, unless forced") {
  AppliedObject live = Apply(kNothing, Config("nginx:1", {{"a", "1"}}), "alice");
  auto refused = ApplyConfiguration(PodKind(), live.object, live.managed_fields, Config("nginx:2", {{"a", "1"}}),
                                    FieldOwner{"bob", ""}, false, absl::Now());
  REQUIRE_FALSE(refused.ok());
  api::ErrorDetails d = api::DetailsOf(refused.status());
  CHECK(d.code == 409);
  REQUIRE(d.causes.size() == 1);
  CHECK(d.causes[0].type == "FieldManagerConflict");
  CHECK(d.causes[0].field == ".spec.containers[name=\"web\"].image");
  CHECK(refused.status().message() ==
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.containers[name=\"web\"].image");

  AppliedObject forced = Apply(live, Config("nginx:2", {{"a", "1"}}), "bob", true);
  CHECK(forced.object["spec"]["containers"][0]["image"] == "nginx:2");
  // bob took the image; alice keeps the label both set to the same value.
  CHECK_FALSE(Mentions(ManagerEntry(forced, "alice"), "f:image"));
  CHECK(ManagerEntry(forced, "alice")["fieldsV1"]["f:metadata"]["f:labels"].contains("f:a"));
  CHECK(Mentions(ManagerEntry(forced, "bob"), "f:image"));
}

TEST_CASE("the same value is shared, and a field stays while another manager still owns it") {
  AppliedObject live = Apply(kNothing, Config("nginx:1", {{"a", "1"}}), "alice");
  live = Apply(live, Config("nginx:1", {{"a", "1"}}), "bob");
  AppliedObject after = Apply(live, Config("nginx:1", json::object()), "alice");
  CHECK(after.object["metadata"]["labels"] == json{{"a", "1"}});  // bob still applies it
  after = Apply(after, Config("nginx:1", json::object()), "bob");
  CHECK(after.object["metadata"].value("labels", json::object()).count("a") == 0);
}

TEST_CASE("updates take over the fields they change, and a write that changes nothing keeps the entries") {
  api::Pod before;
  AppliedObject applied = Apply(kNothing, Config("nginx:1", {{"a", "1"}}), "alice");
  REQUIRE(api::DecodeJson(applied.object, &before, nullptr).ok());
  *before.mutable_metadata()->mutable_managed_fields() = applied.managed_fields;
  api::Pod after = before;
  after.mutable_spec()->mutable_containers(0)->set_image("nginx:3");
  apiserver::RecordUpdate(PodKind(), &before, &after, FieldOwner{"kubectl-edit", ""}, absl::Now());
  const apiserver::ManagedFields& managers = after.metadata().managed_fields();
  json edit = ManagerEntry(managers, "kubectl-edit");
  REQUIRE(edit.is_object());
  CHECK(edit["operation"] == "Update");
  CHECK(Mentions(edit, "f:image"));
  CHECK_FALSE(Mentions(ManagerEntry(managers, "alice"), "f:image"));

  // alice applying the old image now conflicts with the editor.
  auto refused = ApplyConfiguration(PodKind(), api::EncodeJson(after), managers, Config("nginx:1", {{"a", "1"}}),
                                    FieldOwner{"alice", ""}, false, absl::Now());
  REQUIRE_FALSE(refused.ok());
  CHECK(std::string(refused.status().message()).find("conflict with \"kubectl-edit\" using v1") != std::string::npos);

  api::Pod same = after;
  apiserver::RecordUpdate(PodKind(), &after, &same, FieldOwner{"other", ""}, absl::Now() + absl::Hours(1));
  CHECK(api::EncodeJson(same)["metadata"]["managedFields"] == api::EncodeJson(after)["metadata"]["managedFields"]);
}

TEST_CASE("the field manager comes from ?fieldManager, else the User-Agent's product") {
  CHECK(apiserver::FieldOwnerOf("", "kubectl/v1.32.0 (linux/amd64) kubernetes/abc", "")->manager == "kubectl");
  CHECK(apiserver::FieldOwnerOf("ci", "kubectl/v1.32.0", "status")->manager == "ci");
  CHECK_FALSE(apiserver::FieldOwnerOf(std::string(129, 'x'), "", "").ok());
}

TEST_CASE("an apply configuration that is not an object, or whose metadata is not, is a 400") {
  for (const char* bad : {R"("text")", R"([1, 2])", R"({"metadata": "name: x"})", R"({"metadata": [1]})"}) {
    auto applied = ApplyConfiguration(PodKind(), json::object(), {}, json::parse(bad), FieldOwner{"m", ""}, false,
                                      absl::Now());
    REQUIRE_FALSE(applied.ok());
    CHECK(api::DetailsOf(applied.status()).code == 400);
  }
}

TEST_CASE("a list item the applier drops goes whole; one another manager still owns a field of stays, key and all") {
  json two = Config("nginx:1", {{"a", "1"}});
  two["spec"]["containers"].push_back({{"name", "side"}, {"image", "busybox"}, {"args", {"x"}}});
  AppliedObject live = Apply(kNothing, two, "alice");
  AppliedObject dropped = Apply(live, Config("nginx:1", {{"a", "1"}}), "alice");
  REQUIRE(dropped.object["spec"]["containers"].size() == 1);
  CHECK(dropped.object["spec"]["containers"][0]["name"] == "web");

  AppliedObject shared = live;
  json bobs = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}}},
               {"spec", {{"containers", json::array({{{"name", "side"}, {"image", "busybox"}}})}}}};
  shared = Apply(shared, bobs, "bob");
  AppliedObject after = Apply(shared, Config("nginx:1", {{"a", "1"}}), "alice");
  REQUIRE(after.object["spec"]["containers"].size() == 2);
  CHECK(after.object["spec"]["containers"][1] == json({{"name", "side"}, {"image", "busybox"}}));  // alice's args went
}
