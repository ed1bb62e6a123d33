// The OpenAPI documents of the kinds gantry serves, generated once from the
// proto schema in src/api/proto (its comments are the descriptions): the v3
// index and one v3 document per group-version, which `kubectl explain` reads
// and which tell kubectl that the server validates fields itself, and the v2
// document in JSON.
#pragma once

#include <absl/strings/string_view.h>

#include <map>
#include <string>

namespace gantry::apiserver {

class OpenApiDocuments {
 public:
  static const OpenApiDocuments& Get();

  // GET /openapi/v3: every group-version and the URL of its document, whose
  // hash changes with its content (clients cache by URL).
  const std::string& V3Index() const { return v3_index_; }
  // GET /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>: the path
  // after "/openapi/v3/", else null.
  const std::string* V3Document(absl::string_view group_version_path) const;
  // GET /openapi/v2 (as JSON).
  const std::string& V2Document() const { return v2_document_; }

 private:
  OpenApiDocuments();

  std::string v3_index_;
  std::map<std::string, std::string, std::less<>> v3_documents_;
  std::string v2_document_;
};

}  // namespace gantry::apiserver
