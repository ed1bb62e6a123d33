// Label and field selectors from query strings, matched against a pod.
#include <cstddef>
#include <cstdint>

#include "api/field_selector.h"
#include "api/label_selector.h"
#include "core.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  static const gantry::api::Pod* pod = [] {
    auto* p = new gantry::api::Pod();
    p->mutable_metadata()->set_name("web");
    p->mutable_metadata()->set_namespace_("default");
    (*p->mutable_metadata()->mutable_labels())["app"] = "web";
    (*p->mutable_metadata()->mutable_labels())["tier"] = "5";
    p->mutable_spec()->set_node_name("n1");
    p->mutable_status()->set_phase("Running");
    return p;
  }();
  if (auto labels = gantry::api::LabelMatcher::Parse(text); labels.ok()) (void)labels->Matches(pod->metadata().labels());
  if (auto fields = gantry::api::FieldSelector::Parse(text); fields.ok()) {
    if (fields->CheckFields(*pod).ok()) (void)fields->Matches(*pod);
  }
  return 0;
}
