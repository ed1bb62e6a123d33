#include <doctest/doctest.h>

#include <map>

#include "api/field_selector.h"
#include "api/label_selector.h"
#include "core.pb.h"

using namespace gantry::api;

namespace {
bool Matches(const char* selector, const std::map<std::string, std::string>& labels) {
  auto s = LabelMatcher::Parse(selector);
  REQUIRE_MESSAGE(s.ok(), selector);
  return s->Matches(labels);
}
}  // namespace

TEST_CASE("label selector operators") {
  std::map<std::string, std::string> web = {{"app", "web"}, {"tier", "front"}, {"gen", "5"}};
  CHECK(Matches("", web));
  CHECK(Matches("app=web", web));
  CHECK(Matches("app==web", web));
  CHECK_FALSE(Matches("app=db", web));
  CHECK(Matches("app!=db", web));
  CHECK(Matches("missing!=x", web));
  CHECK(Matches("app in (web,db)", web));
  CHECK_FALSE(Matches("app notin (web, db)", web));
  CHECK(Matches("tier notin (back)", web));
  CHECK(Matches("app", web));
  CHECK_FALSE(Matches("missing", web));
  CHECK(Matches("!missing", web));
  CHECK_FALSE(Matches("!app", web));
  CHECK(Matches("app=web,tier in (front),!legacy", web));
  CHECK_FALSE(Matches("app=web,tier=back", web));
  CHECK(Matches("gen>4", web));
  CHECK_FALSE(Matches("gen<4", web));
}

TEST_CASE("malformed label selectors are errors") {
  for (const char* bad : {"app in web", "a=b,,c=d", "=x", "app in (a", "a b=c"}) {
    CAPTURE(bad);
    CHECK_FALSE(LabelMatcher::Parse(bad).ok());
  }
}

TEST_CASE("LabelSelector objects (matchLabels, matchExpressions)") {
  gantry::api::LabelSelector proto;
  (*proto.mutable_match_labels())["app"] = "web";
  auto* e = proto.add_match_expressions();
  e->set_key("tier");
  e->set_operator_("NotIn");
  e->add_values("db");
  auto m = LabelMatcher::FromProto(proto);
  REQUIRE(m.ok());
  CHECK(m->Matches(std::map<std::string, std::string>{{"app", "web"}, {"tier", "front"}}));
  CHECK_FALSE(m->Matches(std::map<std::string, std::string>{{"app", "web"}, {"tier", "db"}}));
  e->set_operator_("Sideways");
  CHECK_FALSE(LabelMatcher::FromProto(proto).ok());
}

TEST_CASE("field selectors on pods and events, in any term order, with empty values") {
  Pod pod;
  pod.mutable_metadata()->set_name("p");
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_spec()->set_node_name("n1");
  pod.mutable_status()->set_phase("Running");
  auto check = [&](const char* text) {
    auto s = FieldSelector::Parse(text);
    REQUIRE_MESSAGE(s.ok(), text);
    REQUIRE(s->CheckFields(Pod::default_instance()).ok());
    return s->Matches(pod);
  };
  CHECK(check("spec.nodeName=n1"));
  CHECK(check("status.phase!=Succeeded,status.phase!=Failed,spec.nodeName=n1"));
  CHECK_FALSE(check("status.phase!=Running"));
  CHECK(check("metadata.name=p,metadata.namespace=default"));
  CHECK_FALSE(check("spec.nodeName="));
  pod.mutable_spec()->clear_node_name();
  CHECK(check("spec.nodeName="));

  auto bad = FieldSelector::Parse("spec.bogus=1");
  REQUIRE(bad.ok());
  CHECK_FALSE(bad->CheckFields(Pod::default_instance()).ok());

  Event ev;
  ev.mutable_involved_object()->set_uid("u1");
  ev.mutable_involved_object()->set_name("p");
  auto evs = FieldSelector::Parse("involvedObject.name=p,involvedObject.uid=u1");
  REQUIRE(evs.ok());
  CHECK(evs->Matches(ev));
}
