// Kubernetes API errors carried inside the process as absl::Status. The
// HTTP status code, reason and field causes ride in a payload so the
// apiserver can turn any Status into a Kubernetes Status object.
#pragma once

#include <absl/status/status.h>

#include <string>
#include <absl/strings/string_view.h>
#include <vector>

namespace gantry::api {

struct FieldCause {
  std::string type;     // FieldValueRequired, FieldValueInvalid, ...
  std::string field;    // spec.containers[0].image
  std::string message;  // Required value
};

struct ErrorDetails {
  int code = 500;
  std::string reason = "InternalError";
  std::string kind;  // resource, as Kubernetes puts it in details.kind
  std::string name;
  std::vector<FieldCause> causes;
};

absl::Status NotFoundError(absl::string_view resource, absl::string_view name);
absl::Status AlreadyExistsError(absl::string_view resource, absl::string_view name);
absl::Status ConflictError(absl::string_view resource, absl::string_view name,
                           absl::string_view why);
// Server-side apply refused: other managers own these fields (causes of
// type FieldManagerConflict).
absl::Status ApplyConflictError(absl::string_view message, std::vector<FieldCause> causes);
absl::Status InvalidError(absl::string_view kind, absl::string_view name,
                          std::vector<FieldCause> causes);
absl::Status BadRequestError(absl::string_view message);
absl::Status UnsupportedMediaTypeError(absl::string_view content_type);
absl::Status RequestEntityTooLargeError(absl::string_view message);
absl::Status ExpiredError(absl::string_view message);
absl::Status UnauthorizedError();
absl::Status MethodNotSupportedError(absl::string_view resource, absl::string_view verb);
// A Kubernetes feature gantry does not offer (yet): 501, saying why.
absl::Status NotAvailableError(absl::string_view resource, absl::string_view why);

// Decodes the details an error above attached; plain absl errors map by code.
ErrorDetails DetailsOf(const absl::Status& status);

FieldCause RequiredCause(std::string field);
FieldCause InvalidCause(std::string field, absl::string_view value, absl::string_view why);
FieldCause NotSupportedCause(std::string field, absl::string_view value,
                             const std::vector<absl::string_view>& supported);

}  // namespace gantry::api
