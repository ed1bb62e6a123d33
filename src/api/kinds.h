// The registry of kinds gantry serves: how a kind is named on the wire and in
// URLs, and how to make an empty object of it.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <absl/strings/string_view.h>
#include <vector>

namespace gantry::api {

struct KindInfo {
  absl::string_view kind;          // "Pod"
  absl::string_view resource;      // "pods"
  absl::string_view singular;      // "pod"
  absl::string_view group;         // "" for the core group
  absl::string_view version;       // "v1"
  bool namespaced = false;
  std::vector<absl::string_view> short_names;
  const google::protobuf::Message* prototype = nullptr;

  std::string ApiVersion() const;   // "v1" or "group/version"
  std::string ListKind() const;     // "PodList"
  std::string QualifiedResource() const;  // "pods", "podgroups.scheduling.x-k8s.io"
  std::unique_ptr<google::protobuf::Message> New() const;
};

const std::vector<KindInfo>& AllKinds();
const KindInfo* FindKindByResource(absl::string_view group, absl::string_view version,
                                   absl::string_view resource);
const KindInfo* FindKindByApiVersion(absl::string_view api_version, absl::string_view kind);
// Accepts what a user types: "pods", "pod", "po", "Pod", "pods.scheduling.gantry.io".
const KindInfo* FindKindByUserName(absl::string_view name);

}  // namespace gantry::api
