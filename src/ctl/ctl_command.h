// `gantry ctl`: the kubectl-like client. Each subcommand lives in its own
// ctl_<name>.cpp; this wires them to the command line.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "ctl/api_client.h"

namespace gantry::ctl {

struct CtlOptions {
  ConnectionOptions connection;
  std::string namespace_;  // -n; else the kubeconfig context's; else "default"
  bool all_namespaces = false;
  std::string output;  // wide, yaml, json, name
  std::string label_selector;
  std::string field_selector;
  bool watch = false;
  std::vector<std::string> args;   // TYPE [NAME...] or TYPE/NAME
  std::vector<std::string> files;  // -f
  std::optional<int64_t> grace_period;
  bool wait = true;
  // logs
  std::string container;
  bool follow = false;
  int64_t tail = -1;
  bool previous = false;
  std::string since;       // a duration: 5s, 2m, 3h
  std::string since_time;  // RFC 3339
  bool timestamps = false;
  int64_t limit_bytes = 0;
  int timeout_seconds = 300;  // drain
  bool overwrite = false;     // label, annotate
  bool show_managed_fields = false;
  std::string sort_by;  // get: a JSONPath
  std::string dry_run = "none";  // none, server, client
  // apply
  bool server_side = false;
  bool force_conflicts = false;
  std::string field_manager;
  // patch
  std::string patch;
  std::string patch_type = "strategic";
  // wait
  std::string wait_for;
  std::string wait_timeout = "30s";
  struct Run {
    std::string name;
    std::string image;
    std::vector<std::string> env, annotations;
    std::string labels;  // k=v,k2=v2
    std::string restart = "Always";
    bool command = false;
    std::string port, image_pull_policy, overrides;
  } run;
  struct Events {
    std::string for_object;  // TYPE/NAME
    std::string types;       // Normal,Warning
  } events;
  struct Explain {
    bool recursive = false;
    std::string api_version;
  } explain;
  std::string completion_shell;  // bash, zsh
  struct Config {
    bool raw = false;
    bool minify = false;
    std::string context;  // use-context / set-context NAME
    bool current = false;
    std::optional<std::string> cluster, user, namespace_;  // set only when given
  } config;
};

void AddCtlCommands(CLI::App& ctl, CtlOptions& options);
int RunCtl(const CLI::App& ctl, const CtlOptions& options);

// Subcommands: each adds its flags and runs with a connected client.
void AddGet(CLI::App& ctl, CtlOptions& options);
int RunGet(const CtlOptions& options, ApiClient& client);
void AddDescribe(CLI::App& ctl, CtlOptions& options);
int RunDescribe(const CtlOptions& options, ApiClient& client);
void AddApply(CLI::App& ctl, CtlOptions& options);
int RunApply(const CtlOptions& options, ApiClient& client);
void AddCreate(CLI::App& ctl, CtlOptions& options);
int RunCreate(const CtlOptions& options, ApiClient& client);
void AddDelete(CLI::App& ctl, CtlOptions& options);
int RunDelete(const CtlOptions& options, ApiClient& client);
void AddNodeCommands(CLI::App& ctl, CtlOptions& options);
int RunCordon(const CtlOptions& options, ApiClient& client, bool cordon);
int RunDrain(const CtlOptions& options, ApiClient& client);
void AddTop(CLI::App& ctl, CtlOptions& options);
int RunTop(const CtlOptions& options, ApiClient& client);
void AddLogs(CLI::App& ctl, CtlOptions& options);
int RunLogs(const CtlOptions& options, ApiClient& client);
void AddVersion(CLI::App& ctl, CtlOptions& options);
void AddMetadataCommands(CLI::App& ctl, CtlOptions& options);
void AddPatch(CLI::App& ctl, CtlOptions& options);
int RunPatch(const CtlOptions& options, ApiClient& client);
void AddReplace(CLI::App& ctl, CtlOptions& options);
int RunReplace(const CtlOptions& options, ApiClient& client);
void AddApiResources(CLI::App& ctl, CtlOptions& options);
void AddWait(CLI::App& ctl, CtlOptions& options);
int RunWait(const CtlOptions& options, ApiClient& client);
int RunApiResources(const CtlOptions& options, ApiClient& client);
// label (labels = true) or annotate.
int RunMetadataChange(const CtlOptions& options, ApiClient& client, bool labels);
int RunVersion(const CtlOptions& options, ApiClient& client);
void AddRun(CLI::App& ctl, CtlOptions& options);
int RunRun(const CtlOptions& options, ApiClient& client);
void AddEvents(CLI::App& ctl, CtlOptions& options);
int RunEvents(const CtlOptions& options, ApiClient& client);
void AddExplain(CLI::App& ctl, CtlOptions& options);
int RunExplain(const CtlOptions& options, ApiClient& client);
void AddEdit(CLI::App& ctl, CtlOptions& options);
int RunEdit(const CtlOptions& options, ApiClient& client);
// Commands that need no server.
void AddConfig(CLI::App& ctl, CtlOptions& options);
int RunConfig(const CLI::App& config_command, const CtlOptions& options);
void AddCompletion(CLI::App& ctl, CtlOptions& options);
int RunCompletion(const CLI::App& ctl, const CtlOptions& options);

// Shared by the subcommands.
struct ResourceRef {
  const api::KindInfo* kind = nullptr;
  // Every kind the type names: "podgroups" (no group) covers gantry's,
  // scheduler-plugins' and Volcano's PodGroups; otherwise just `kind`.
  std::vector<const api::KindInfo*> kinds;
  std::vector<std::string> names;
};
// "pods", "pods x y", "pod/x": an error names what was not understood.
absl::StatusOr<ResourceRef> ParseResourceArgs(const std::vector<std::string>& args);
// The object `name` of the first of `kinds` that has one.
absl::StatusOr<nlohmann::json> GetFromAny(ApiClient& client, const std::vector<const api::KindInfo*>& kinds,
                                          const std::string& ns, const std::string& name, const std::string& accept);
// The namespace a command acts in: the object's own, else -n.
std::string NamespaceFor(const api::KindInfo& kind, const CtlOptions& options, const nlohmann::json* object = nullptr);
// The one object a command given TYPE NAME or TYPE/NAME acts on (edit, patch).
struct SingleObject {
  const api::KindInfo* kind = nullptr;
  std::string url;    // its ResourceUrl
  std::string label;  // "pod/web", as the command reports it
};
// An error, in `verb`'s words, unless the arguments name exactly one object.
absl::StatusOr<SingleObject> ParseSingleObject(const CtlOptions& options, const std::string& verb);

// What a command given TYPE [NAME...] and -l acts on.
struct Selection {
  ResourceRef ref;
  std::string namespace_;
  std::vector<std::string> names;  // those given, then every object -l matches
};
absl::StatusOr<Selection> SelectObjects(ApiClient& client, const CtlOptions& options);
// --dry-run=none|server|client, as kubectl has it on commands that write.
void AddDryRunOption(CLI::App* command, CtlOptions& options);
// "&dryRun=All" when the server should only check the write.
std::string DryRunQuery(const CtlOptions& options);
// What kubectl appends to "created", "deleted"...: " (server dry run)".
std::string DryRunSuffix(const CtlOptions& options);
// Prints an error the way kubectl does and returns the exit code 1.
int Fail(const absl::Status& status);

}  // namespace gantry::ctl
