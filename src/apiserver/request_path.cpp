#include "apiserver/request_path.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <vector>

#include "api/errors.h"

namespace gantry::apiserver {

absl::StatusOr<ResourcePath> ParseResourcePath(absl::string_view path) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  auto not_found = [&] {
    return absl::Status(api::NotFoundError("path", path));
  };
  absl::string_view group;
  absl::string_view version;
  size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    version = parts[1];
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    group = parts[1];
    version = parts[2];
    i = 3;
  } else {
    return not_found();
  }
  std::vector<absl::string_view> rest(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
  ResourcePath out;
  // namespaces/{ns}/{resource}... unless it addresses the Namespace itself.
  if (rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize") {
    out.namespace_ = std::string(rest[1]);
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) return not_found();
  out.kind = api::FindKindByResource(group, version, rest[0]);
  if (out.kind == nullptr) return not_found();
  if (!out.namespace_.empty() && !out.kind->namespaced) return not_found();
  if (rest.size() >= 2) out.name = std::string(rest[1]);
  if (rest.size() == 3) out.subresource = std::string(rest[2]);
  return out;
}

}  // namespace gantry::apiserver
