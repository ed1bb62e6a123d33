#include "apiserver/status_response.h"

#include "api/errors.h"

namespace gantry::apiserver {

nlohmann::json StatusObject(const absl::Status& status) {
  api::ErrorDetails d = api::DetailsOf(status);
  nlohmann::json out = {{"kind", "Status"},
                        {"apiVersion", "v1"},
                        {"metadata", nlohmann::json::object()},
                        {"status", "Failure"},
                        {"message", std::string(status.message())},
                        {"reason", d.reason},
                        {"code", d.code}};
  nlohmann::json details = nlohmann::json::object();
  if (!d.name.empty()) details["name"] = d.name;
  if (!d.kind.empty()) details["kind"] = d.kind;
  if (!d.causes.empty()) {
    nlohmann::json causes = nlohmann::json::array();
    for (const auto& c : d.causes) {
      causes.push_back({{"reason", c.type}, {"message", c.message}, {"field", c.field}});
    }
    details["causes"] = std::move(causes);
  }
  if (!details.empty()) out["details"] = std::move(details);
  return out;
}

nlohmann::json SuccessStatus() {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
          {"status", "Success"}, {"code", 200}};
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void WriteJson(http::HttpResponse& res, int code, const nlohmann::json& body) {
  res.status = code;
  res.content_type = "application/json";
  res.body = DumpJson(body);
}

void WriteError(http::HttpResponse& res, const absl::Status& status) {
  nlohmann::json body = StatusObject(status);
  WriteJson(res, body["code"].get<int>(), body);
}

}  // namespace gantry::apiserver
