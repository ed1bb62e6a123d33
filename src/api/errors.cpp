#include "api/errors.h"

#include <absl/strings/cord.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <nlohmann/json.hpp>

namespace gantry::api {
namespace {

constexpr absl::string_view kPayloadUrl = "gantry.io/k8s-error";

absl::Status WithDetails(absl::StatusCode code, absl::string_view message,
                         const ErrorDetails& details) {
  absl::Status status(code, message);
  nlohmann::json j = {{"code", details.code},
                      {"reason", details.reason},
                      {"kind", details.kind},
                      {"name", details.name}};
  nlohmann::json causes = nlohmann::json::array();
  for (const FieldCause& c : details.causes) {
    causes.push_back({{"type", c.type}, {"field", c.field}, {"message", c.message}});
  }
  j["causes"] = std::move(causes);
  status.SetPayload(kPayloadUrl, absl::Cord(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  return status;
}

}  // namespace

absl::Status NotFoundError(absl::string_view resource, absl::string_view name) {
  return WithDetails(absl::StatusCode::kNotFound,
                     absl::StrCat(resource, " \"", name, "\" not found"),
                     {404, "NotFound", std::string(resource), std::string(name), {}});
}

absl::Status AlreadyExistsError(absl::string_view resource, absl::string_view name) {
  return WithDetails(absl::StatusCode::kAlreadyExists,
                     absl::StrCat(resource, " \"", name, "\" already exists"),
                     {409, "AlreadyExists", std::string(resource), std::string(name), {}});
}

absl::Status ConflictError(absl::string_view resource, absl::string_view name,
                           absl::string_view why) {
  return WithDetails(
      absl::StatusCode::kAborted,
      absl::StrCat("Operation cannot be fulfilled on ", resource, " \"", name, "\": ", why),
      {409, "Conflict", std::string(resource), std::string(name), {}});
}

absl::Status ApplyConflictError(absl::string_view message, std::vector<FieldCause> causes) {
  return WithDetails(absl::StatusCode::kAborted, message, {409, "Conflict", "", "", std::move(causes)});
}

absl::Status InvalidError(absl::string_view kind, absl::string_view name,
                          std::vector<FieldCause> causes) {
  std::vector<std::string> parts;
  for (const FieldCause& c : causes) parts.push_back(absl::StrCat(c.field, ": ", c.message));
  std::string list = parts.size() == 1 ? parts[0] : absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
  return WithDetails(absl::StatusCode::kInvalidArgument,
                     kind.empty() ? list : absl::StrCat(kind, " \"", name, "\" is invalid: ", list),
                     {422, "Invalid", std::string(kind), std::string(name), std::move(causes)});
}

absl::Status UnsupportedMediaTypeError(absl::string_view content_type) {
  return WithDetails(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("the body of the request was in an unknown format - accepted media types include: "
                                  "application/json, application/yaml (got \"", content_type, "\")"),
                     {415, "UnsupportedMediaType", "", "", {}});
}

absl::Status RequestEntityTooLargeError(absl::string_view message) {
  return WithDetails(absl::StatusCode::kResourceExhausted, message, {413, "RequestEntityTooLarge", "", "", {}});
}

absl::Status BadRequestError(absl::string_view message) {
  return WithDetails(absl::StatusCode::kInvalidArgument, message, {400, "BadRequest", "", "", {}});
}

absl::Status ExpiredError(absl::string_view message) {
  return WithDetails(absl::StatusCode::kOutOfRange, message, {410, "Expired", "", "", {}});
}

absl::Status UnauthorizedError() {
  return WithDetails(absl::StatusCode::kUnauthenticated, "Unauthorized",
                     {401, "Unauthorized", "", "", {}});
}

absl::Status MethodNotSupportedError(absl::string_view resource, absl::string_view verb) {
  return WithDetails(absl::StatusCode::kUnimplemented,
                     absl::StrCat(verb, " is not supported on resources of kind \"", resource, "\""),
                     {405, "MethodNotAllowed", std::string(resource), "", {}});
}

absl::Status NotAvailableError(absl::string_view resource, absl::string_view why) {
  return WithDetails(absl::StatusCode::kUnimplemented, why, {501, "NotImplemented", std::string(resource), "", {}});
}

ErrorDetails DetailsOf(const absl::Status& status) {
  if (auto payload = status.GetPayload(kPayloadUrl)) {
    auto j = nlohmann::json::parse(std::string(*payload), nullptr, false);
    if (!j.is_discarded()) {
      ErrorDetails d;
      d.code = j.value("code", 500);
      d.reason = j.value("reason", "InternalError");
      d.kind = j.value("kind", "");
      d.name = j.value("name", "");
      for (const auto& c : j["causes"]) {
        d.causes.push_back({c.value("type", ""), c.value("field", ""), c.value("message", "")});
      }
      return d;
    }
  }
  switch (status.code()) {
    case absl::StatusCode::kNotFound: return {404, "NotFound", "", "", {}};
    case absl::StatusCode::kAlreadyExists: return {409, "AlreadyExists", "", "", {}};
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition: return {409, "Conflict", "", "", {}};
    case absl::StatusCode::kInvalidArgument: return {400, "BadRequest", "", "", {}};
    case absl::StatusCode::kUnauthenticated: return {401, "Unauthorized", "", "", {}};
    case absl::StatusCode::kPermissionDenied: return {403, "Forbidden", "", "", {}};
    case absl::StatusCode::kOutOfRange: return {410, "Expired", "", "", {}};
    case absl::StatusCode::kResourceExhausted: return {429, "TooManyRequests", "", "", {}};
    case absl::StatusCode::kUnavailable: return {503, "ServiceUnavailable", "", "", {}};
    case absl::StatusCode::kDeadlineExceeded: return {504, "Timeout", "", "", {}};
    default: return {500, "InternalError", "", "", {}};
  }
}

FieldCause RequiredCause(std::string field) {
  return {"FieldValueRequired", std::move(field), "Required value"};
}

FieldCause InvalidCause(std::string field, absl::string_view value, absl::string_view why) {
  return {"FieldValueInvalid", std::move(field),
          absl::StrCat("Invalid value: \"", value, "\": ", why)};
}

FieldCause NotSupportedCause(std::string field, absl::string_view value,
                             const std::vector<absl::string_view>& supported) {
  std::vector<std::string> quoted;
  for (absl::string_view s : supported) quoted.push_back(absl::StrCat("\"", s, "\""));
  return {"FieldValueNotSupported", std::move(field),
          absl::StrCat("Unsupported value: \"", value,
                       "\": supported values: ", absl::StrJoin(quoted, ", "))};
}

}  // namespace gantry::api
