// events: the namespace's (or every namespace's, or one object's) Events,
// oldest first, as kubectl events lists them; -w keeps printing new ones.
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <algorithm>
#include <iostream>

#include "common/time_format.h"
#include "ctl/ctl_command.h"
#include "ctl/object_printer.h"
#include "ctl/table_output.h"

namespace gantry::ctl {
namespace {

using nlohmann::json;

std::string Text(const json& object, const char* field) {
  return object.contains(field) && object[field].is_string() ? object[field].get<std::string>() : "";
}

// When the event last happened: a series' latest, else lastTimestamp, else eventTime.
std::string LastSeen(const json& event) {
  if (event.contains("series") && event["series"].is_object()) {
    std::string observed = Text(event["series"], "lastObservedTime");
    if (!observed.empty()) return observed;
  }
  std::string last = Text(event, "lastTimestamp");
  return last.empty() ? Text(event, "eventTime") : last;
}

int64_t Count(const json& event) {
  if (event.contains("series") && event["series"].is_object()) return event["series"].value("count", int64_t{1});
  return event.value("count", int64_t{1});
}

// "5m", or "5m (x3 over 20m)" for an event seen more than once.
std::string LastSeenCell(const json& event) {
  std::string cell = AgeOf(LastSeen(event));
  if (Count(event) > 1) {
    std::string first = Text(event, "firstTimestamp");
    if (first.empty()) first = Text(event, "eventTime");
    absl::StrAppend(&cell, " (x", Count(event), " over ", AgeOf(first), ")");
  }
  return cell;
}

std::vector<std::string> Row(const json& event, bool all_namespaces) {
  const json involved = event.value("involvedObject", json::object());
  std::vector<std::string> cells;
  if (all_namespaces) cells.push_back(Text(event.value("metadata", json::object()), "namespace"));
  for (std::string cell : {LastSeenCell(event), Text(event, "type"), Text(event, "reason"),
                           absl::StrCat(Text(involved, "kind"), "/", Text(involved, "name")),
                           Text(event, "message")}) {
    cells.push_back(std::move(cell));
  }
  return cells;
}

// "?" and, with --for, its field selector.
absl::StatusOr<std::string> Query(const CtlOptions& o) {
  if (o.events.for_object.empty()) return std::string("?");
  auto ref = ParseResourceArgs({o.events.for_object});
  if (!ref.ok()) return ref.status();
  if (ref->names.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("error: --for \"", o.events.for_object, "\" must name one object as TYPE/NAME"));
  }
  return absl::StrCat("?fieldSelector=",
                      QueryEscape(absl::StrCat("involvedObject.kind=", ref->kind->kind, ",involvedObject.apiVersion=",
                                               ref->kind->ApiVersion(), ",involvedObject.name=", ref->names[0])));
}

}  // namespace

void AddEvents(CLI::App& ctl, CtlOptions& o) {
  CLI::App* cmd = ctl.add_subcommand("events", "List events, oldest first");
  cmd->fallthrough();
  cmd->add_option("--for", o.events.for_object, "Only the events of this object, as TYPE/NAME");
  cmd->add_option("--types", o.events.types, "Only events of these types, comma-separated: Normal, Warning");
  cmd->add_flag("-A,--all-namespaces", o.all_namespaces, "Events of every namespace");
  cmd->add_flag("-w,--watch", o.watch, "After listing, print new events as they happen");
  cmd->add_option("-o,--output", o.output, "yaml or json instead of a table")->check(CLI::IsMember({"yaml", "json"}));
  cmd->footer(
      "Examples:\n"
      "  gantry ctl events\n"
      "  gantry ctl events --for pod/web\n"
      "  gantry ctl events -A --types=Warning -w");
}

int RunEvents(const CtlOptions& o, ApiClient& client) {
  auto query = Query(o);
  if (!query.ok()) return Fail(query.status());
  const api::KindInfo& kind = *api::FindKindByApiVersion("v1", "Event");
  const std::string url = ResourceUrl(kind, o.all_namespaces ? "" : o.namespace_);
  auto list = client.Call("GET", url + *query);
  if (!list.ok()) return Fail(list.status());
  std::vector<std::string> types = absl::StrSplit(o.events.types, ',', absl::SkipEmpty());
  auto wanted = [&](const json& event) {
    return types.empty() || std::find(types.begin(), types.end(), Text(event, "type")) != types.end();
  };
  json items = json::array();
  for (json& event : (*list)["items"]) {
    if (wanted(event)) items.push_back(std::move(event));
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const json& a, const json& b) { return LastSeen(a) < LastSeen(b); });
  if (!o.output.empty()) {
    auto printer = ObjectPrinter::ForFormat(o.output, false);
    if (!printer.ok()) return Fail(printer.status());
    printer->Print(kind, {{"apiVersion", "v1"}, {"kind", "EventList"}, {"items", std::move(items)}}, std::cout);
    return 0;
  }
  std::vector<std::string> columns = {"Last Seen", "Type", "Reason", "Object", "Message"};
  if (o.all_namespaces) columns.insert(columns.begin(), "Namespace");
  TableOutput output(TableStyle{});
  json table = ClientTable(columns);
  for (const json& event : items) AddRow(table, Row(event, o.all_namespaces));
  output.Add(table);
  if (items.empty() && !o.watch) {
    std::cerr << "No events found" << (o.all_namespaces ? "" : absl::StrCat(" in ", o.namespace_, " namespace")) << ".\n";
    return 0;
  }
  output.Flush(std::cout);
  if (!o.watch) return 0;
  const std::string watch_url = absl::StrCat(url, *query, "&watch=true&resourceVersion=",
                                             (*list)["metadata"].value("resourceVersion", ""));
  absl::Status watched = client.Stream(watch_url, "application/json", [&](const std::string& line) {
    json change = json::parse(line, nullptr, false);
    if (change.is_discarded() || change.value("type", "") == "DELETED" || !change.contains("object")) return true;
    if (!wanted(change["object"])) return true;
    json rows = ClientTable(columns);
    AddRow(rows, Row(change["object"], o.all_namespaces));
    output.Add(rows);
    output.Flush(std::cout);
    std::cout.flush();
    return true;
  });
  return watched.ok() ? 0 : Fail(watched);
}

}  // namespace gantry::ctl
