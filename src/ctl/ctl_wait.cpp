// wait: until objects meet a condition (--for=condition=Ready,
// --for=jsonpath='{.status.phase}'=Running) or are gone (--for=delete), as
// kubectl wait does; exit 1 naming the object on timeout.
#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/strip.h>
#include <absl/time/clock.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "ctl/ctl_command.h"
#include "ctl/jsonpath.h"

namespace gantry::ctl {
namespace {

struct Condition {
  enum class Type { kDelete, kCondition, kJsonPath };
  Type type = Type::kDelete;
  std::string condition;  // kCondition: the type, e.g. Ready
  std::string want;       // the status or value; empty for "jsonpath exists"
  std::optional<JsonPath> path;
};

absl::StatusOr<Condition> ParseFor(const std::string& text) {
  Condition c;
  absl::string_view rest = text;
  if (rest == "delete") return c;
  if (absl::ConsumePrefix(&rest, "condition=")) {
    c.type = Condition::Type::kCondition;
    size_t eq = rest.find('=');
    c.condition = std::string(rest.substr(0, eq));
    c.want = eq == absl::string_view::npos ? "true" : std::string(rest.substr(eq + 1));
    if (!c.condition.empty()) return c;
  } else if (absl::ConsumePrefix(&rest, "jsonpath=")) {
    c.type = Condition::Type::kJsonPath;
    // '{.status.phase}'=Running: the template ends at its last '}'.
    size_t close = rest.rfind('}');
    if (close != absl::string_view::npos) {
      absl::string_view expr = rest.substr(0, close + 1);
      absl::string_view value = rest.substr(close + 1);
      if (absl::ConsumePrefix(&value, "=") || value.empty()) {
        auto path = JsonPath::Parse(expr);
        if (!path.ok()) return path.status();
        c.path = *std::move(path);
        c.want = std::string(value);
        return c;
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "error: unrecognized condition: \"", text,
      "\" (use --for=delete, --for=condition=TYPE[=VALUE] or --for=jsonpath='{PATH}'[=VALUE])"));
}

bool Met(const Condition& c, const nlohmann::json& object) {
  if (c.type == Condition::Type::kCondition) {
    for (const auto& cond : object["status"].value("conditions", nlohmann::json::array())) {
      if (absl::EqualsIgnoreCase(cond.value("type", ""), c.condition)) {
        return absl::EqualsIgnoreCase(cond.value("status", ""), c.want);
      }
    }
    return false;
  }
  std::vector<const nlohmann::json*> values = c.path->Select(object);
  if (c.want.empty()) return !values.empty();
  return std::any_of(values.begin(), values.end(), [&](const nlohmann::json* v) { return JsonPathValueText(*v) == c.want; });
}

}  // namespace

void AddWait(CLI::App& ctl, CtlOptions& o) {
  CLI::App* cmd = ctl.add_subcommand("wait", "Wait for resources to meet a condition or to be deleted");
  cmd->fallthrough();
  cmd->add_option("args", o.args, "TYPE NAME... or TYPE/NAME")->required();
  cmd->add_option("--for", o.wait_for, "delete, condition=TYPE[=VALUE] or jsonpath='{PATH}'[=VALUE]")->required();
  cmd->add_option("--timeout", o.wait_timeout, "How long to wait, e.g. 30s, 5m")->capture_default_str();
  cmd->add_option("-l,--selector", o.label_selector, "Wait for every object of TYPE matching this label selector");
  cmd->footer(
      "Examples:\n"
      "  gantry ctl wait pod/web --for=condition=Ready --timeout=60s\n"
      "  gantry ctl wait pods -l app=batch --for=jsonpath='{.status.phase}'=Succeeded\n"
      "  gantry ctl wait pod/web --for=delete");
}

int RunWait(const CtlOptions& o, ApiClient& client) {
  auto condition = ParseFor(o.wait_for);
  if (!condition.ok()) return Fail(condition.status());
  absl::Duration timeout;
  if (!absl::ParseDuration(o.wait_timeout, &timeout) || timeout < absl::ZeroDuration()) {
    int64_t seconds;
    if (!absl::SimpleAtoi(o.wait_timeout, &seconds) || seconds < 0) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("error: --timeout \"", o.wait_timeout, "\" is not a duration")));
    }
    timeout = absl::Seconds(seconds);
  }
  auto selected = SelectObjects(client, o);
  if (!selected.ok()) return Fail(selected.status());
  const std::vector<std::string>& names = selected->names;
  const api::KindInfo& kind = *selected->ref.kind;
  if (names.empty()) return Fail(absl::InvalidArgumentError("error: no matching resources found"));
  const absl::Time deadline = absl::Now() + timeout;
  int exit_code = 0;
  for (const std::string& name : names) {
    const std::string url = ResourceUrl(kind, selected->namespace_, name);
    const std::string label = absl::StrCat(kind.singular, "/", name);
    absl::Duration pause = absl::Milliseconds(100);
    while (true) {
      auto object = client.Call("GET", url);
      bool gone = !object.ok() && object.status().code() == absl::StatusCode::kNotFound;
      if (!object.ok() && !gone) return Fail(object.status());
      if (condition->type == Condition::Type::kDelete ? gone : (!gone && Met(*condition, *object))) {
        std::cout << label << " condition met\n";
        break;
      }
      if (gone) {
        exit_code = Fail(object.status());
        break;
      }
      if (absl::Now() >= deadline) {
        exit_code = Fail(absl::DeadlineExceededError(
            absl::StrCat("error: timed out waiting for the condition on ", kind.resource, "/", name)));
        break;
      }
      absl::SleepFor(std::min({pause, deadline - absl::Now(), absl::Seconds(1)}));
      pause *= 2;
    }
  }
  return exit_code;
}

}  // namespace gantry::ctl
