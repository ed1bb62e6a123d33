#include "apiserver/log_relay.h"
#include "apiserver/resource_handlers.h"

#include <absl/strings/match.h>
#include <absl/strings/escaping.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/time/clock.h>
#include <google/protobuf/util/message_differencer.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/defaults.h"
#include "api/errors.h"
#include "api/json_codec.h"
#include "api/object_meta.h"
#include "api/patch.h"
#include "api/pod_conditions.h"
#include "api/pod_termination.h"
#include "api/unmodeled_fields.h"
#include "api/validation.h"
#include "api/yaml_json.h"
#include "apiserver/list_body.h"
#include "apiserver/new_object.h"
#include "apiserver/request_body.h"
#include "apiserver/scale_subresource.h"
#include "apiserver/log_body.h"
#include "apiserver/status_response.h"
#include "apiserver/table_printers.h"
#include "apiserver/watch_body.h"
#include "store/dry_run_store.h"
#include "common/log_format.h"
#include "common/metrics.h"
#include "common/time_format.h"
#include "core.pb.h"

namespace gantry::apiserver {
namespace {

using google::protobuf::Message;
using nlohmann::json;

bool WantsTable(const http::HttpRequest& req) {
  return absl::StrContains(req.Header("accept"), "as=Table");
}

TableObjects TableInclude(const http::HttpRequest& req) {
  std::string include = req.Param("includeObject");
  if (include == "Object") return TableObjects::kObject;
  if (include == "None") return TableObjects::kNone;
  return TableObjects::kMetadata;
}

bool HasStatus(const api::KindInfo& kind) {
  return kind.prototype->GetDescriptor()->FindFieldByName("status") != nullptr;
}

// Decodes into `out` and applies fieldValidation: Strict rejects fields
// Kubernetes does not have; Warn (the default) and Strict both answer fields
// Kubernetes has but gantry does not model with a Warning header; Ignore is silent.
absl::Status DecodeWithValidation(const http::HttpRequest& req, http::HttpResponse& res,
                                  const api::KindInfo& kind, const json& body, Message* out) {
  std::vector<std::string> dropped;
  absl::Status s = api::DecodeObject(kind, body, out, &dropped);
  if (!s.ok()) return s;
  std::string mode = req.Param("fieldValidation");
  if (dropped.empty() || mode == "Ignore") return absl::OkStatus();
  std::vector<std::string> unknown;
  std::vector<std::string> warnings;
  for (const auto& path : dropped) {
    if (api::IsUnmodeledKubernetesField(path)) {
      if (api::HoldsKubernetesDefault(body, path)) continue;
      warnings.push_back(absl::StrCat("299 - \"", path, ": not supported by gantry, ignored\""));
    } else {
      unknown.push_back(path);
      warnings.push_back(absl::StrCat("299 - \"unknown field \\\"", path, "\\\"\""));
    }
  }
  if (mode == "Strict" && !unknown.empty()) {
    std::vector<std::string> quoted;
    for (const auto& u : unknown) quoted.push_back(absl::StrCat("unknown field \"", u, "\""));
    return api::BadRequestError(absl::StrCat("strict decoding error: ", absl::StrJoin(quoted, ", ")));
  }
  if (!warnings.empty()) res.SetHeader("Warning", absl::StrJoin(warnings, ", "));
  return absl::OkStatus();
}

absl::StatusOr<store::ListOptions> ListOptionsFrom(const http::HttpRequest& req, const ResourcePath& path) {
  store::ListOptions opts;
  opts.namespace_ = path.namespace_;
  auto labels = api::LabelMatcher::Parse(req.Param("labelSelector"));
  if (!labels.ok()) return api::BadRequestError(labels.status().message());
  opts.labels = *std::move(labels);
  auto fields = api::FieldSelector::Parse(req.Param("fieldSelector"));
  if (!fields.ok()) return fields.status();
  if (auto s = fields->CheckFields(*path.kind->prototype); !s.ok()) return s;
  opts.fields = *std::move(fields);
  return opts;
}

// Kubernetes' continue token: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":KEY}.
std::string ContinueToken(int64_t revision, const std::string& after) {
  std::string token;
  absl::WebSafeBase64Escape(DumpJson({{"v", "meta.k8s.io/v1"}, {"rv", revision}, {"start", after}}), &token);
  return token;
}

absl::Status ApplyPagination(const http::HttpRequest& req, store::ListOptions* opts) {
  if (std::string limit = req.Param("limit"); !limit.empty()) {
    if (!absl::SimpleAtoi(limit, &opts->limit) || opts->limit < 0) {
      return api::BadRequestError(absl::StrCat("limit: invalid value \"", limit, "\""));
    }
  }
  std::string token = req.Param("continue");
  if (token.empty()) return absl::OkStatus();
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(token, &decoded) && !absl::Base64Unescape(token, &decoded)) {
    return api::BadRequestError("continue key is not valid: not base64");
  }
  auto parsed = api::ParseJson(decoded);
  if (!parsed.ok() || !parsed->is_object() || !(*parsed)["start"].is_string() ||
      (*parsed)["start"].get_ref<const std::string&>().empty()) {
    return api::BadRequestError("continue key is not valid");
  }
  opts->start_after = (*parsed)["start"].get<std::string>();
  return absl::OkStatus();
}

struct DeleteRequest {
  std::optional<int64_t> grace;
  store::Preconditions preconditions;
  std::vector<std::string> dry_run;
  std::string propagation;  // Orphan, Background, Foreground; empty: Background
};

// DeleteOptions from the body (JSON or Kubernetes protobuf) and the query string.
// ?dryRun (and DeleteOptions.dryRun): absent, or All.
absl::StatusOr<bool> DryRunRequested(const http::HttpRequest& req, std::vector<std::string> values = {}) {
  if (req.HasParam("dryRun")) values.push_back(req.Param("dryRun"));
  for (const std::string& v : values) {
    if (v != "All") return api::InvalidError("", "", {api::NotSupportedCause("dryRun", v, {"All"})});
  }
  return !values.empty();
}

absl::StatusOr<FieldOwner> OwnerOf(const http::HttpRequest& req, const ResourcePath& path) {
  return FieldOwnerOf(req.Param("fieldManager"), req.Header("user-agent"), path.subresource);
}

// What every write with a body (create, update, scale) reads first.
struct WriteRequest {
  bool dry_run = false;
  FieldOwner owner;
  json body;
};

absl::StatusOr<WriteRequest> ReadWriteRequest(const http::HttpRequest& req, const ResourcePath& path) {
  auto dry_run = DryRunRequested(req);
  if (!dry_run.ok()) return dry_run.status();
  auto owner = OwnerOf(req, path);
  if (!owner.ok()) return owner.status();
  auto body = ParseBody(req);
  if (!body.ok()) return body.status();
  return WriteRequest{*dry_run, *std::move(owner), *std::move(body)};
}

absl::StatusOr<DeleteRequest> DeleteOptionsFrom(const http::HttpRequest& req) {
  DeleteRequest out;
  if (!req.body.empty()) {
    auto body = ParseBody(req);
    if (!body.ok()) return body.status();
    api::DeleteOptions options;
    if (auto s = api::DecodeJson(*body, &options, nullptr); !s.ok()) return s;
    if (options.has_grace_period_seconds()) out.grace = options.grace_period_seconds();
    out.preconditions.uid = options.preconditions().uid();
    out.preconditions.resource_version = options.preconditions().resource_version();
    out.dry_run.assign(options.dry_run().begin(), options.dry_run().end());
    out.propagation = options.propagation_policy();
    if (out.propagation.empty() && options.orphan_dependents()) out.propagation = "Orphan";
  }
  if (std::string p = req.Param("propagationPolicy"); !p.empty()) out.propagation = p;
  if (!out.propagation.empty() && out.propagation != "Orphan" && out.propagation != "Background" &&
      out.propagation != "Foreground") {
    return api::InvalidError("DeleteOptions", "", {api::NotSupportedCause("propagationPolicy", out.propagation,
                                                                          {"Foreground", "Background", "Orphan"})});
  }
  if (std::string g = req.Param("gracePeriodSeconds"); !g.empty()) {
    int64_t v;
    if (!absl::SimpleAtoi(g, &v)) return api::BadRequestError("gracePeriodSeconds must be an integer");
    out.grace = v;
  }
  if (out.grace && *out.grace < 0) {
    return api::InvalidError("DeleteOptions", "", {api::InvalidCause("gracePeriodSeconds", std::to_string(*out.grace), "must be greater than or equal to 0")});
  }
  return out;
}

// A JSON, merge or strategic merge patch, by its content type.
absl::Status PatchDocument(absl::string_view type, json& doc, const json& patch) {
  // Strategic is tested before merge-patch, which it contains.
  if (absl::StrContains(type, "strategic-merge-patch")) return api::ApplyStrategicMergePatch(doc, patch);
  if (absl::StrContains(type, "json-patch")) return api::ApplyJsonPatch(doc, patch);
  if (absl::StrContains(type, "merge-patch")) return api::ApplyMergePatch(doc, patch);
  return api::UnsupportedMediaTypeError(type);
}

// kubectl exec, attach, cp, port-forward and debug: what gantry's node does
// not offer yet, and what to do instead.
absl::Status StreamingSubresourceMissing(absl::string_view sub) {
  if (sub == "exec" || sub == "attach") {
    return api::NotAvailableError(
        absl::StrCat("pods/", sub),
        absl::StrCat("pods/", sub, " is not available in gantry yet: containers run as processes under the node's "
                     "agent, which has no streaming endpoint for exec, attach or cp; read a container's output with "
                     "`kubectl logs`"));
  }
  if (sub == "portforward") {
    return api::NotAvailableError(
        "pods/portforward",
        "pods/portforward is not available in gantry yet: pods share their node's network, so connect to the "
        "container's port on the node's address (status.hostIP) directly");
  }
  if (sub == "ephemeralcontainers") {
    return api::NotAvailableError("pods/ephemeralcontainers",
                                  "ephemeral containers (kubectl debug) are not available in gantry yet");
  }
  return absl::OkStatus();
}

json ListMetadata(const store::ListResult& list) {
  json metadata = {{"resourceVersion", std::to_string(list.revision)}};
  if (!list.continue_after.empty()) metadata["continue"] = ContinueToken(list.revision, list.continue_after);
  return metadata;
}

}  // namespace

ResourceHandlers::ResourceHandlers(store::Store& store, const std::atomic<bool>& stopping, LogRelay* logs,
                                   store::EventRecorder* events)
    : store_(store), admission_(store), stopping_(stopping), logs_(logs), events_(events) {}

void ResourceHandlers::Handle(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  const std::string& m = req.method;
  const std::string& sub = path.subresource;
  if (sub.empty() || sub == "status") {
    if (m == "GET" && !path.name.empty()) return Get(req, res, path);
    if (m == "GET" && sub.empty()) return req.BoolParam("watch") ? Watch(req, res, path) : List(req, res, path);
    if (m == "POST" && path.name.empty()) return Create(req, res, path);
    if (m == "PUT" && !path.name.empty()) return Update(req, res, path);
    if (m == "PATCH" && !path.name.empty()) return Patch(req, res, path);
    if (m == "DELETE" && !path.name.empty() && sub.empty()) return Delete(req, res, path);
  } else if (sub == "scale" && HasScaleSubresource(*path.kind) && !path.name.empty() &&
             (m == "GET" || m == "PUT" || m == "PATCH")) {
    return Scale(req, res, path);
  } else if (path.kind->kind == "Pod" && !path.name.empty() && m == "GET" && sub == "log") {
    return Log(req, res, path);
  } else if (path.kind->kind == "Pod" && !path.name.empty() && m == "POST") {
    if (sub == "binding") return Bind(req, res, path);
    if (sub == "eviction") return Evict(req, res, path);
  }
  if (path.kind->kind == "Pod" && !path.name.empty()) {
    if (absl::Status missing = StreamingSubresourceMissing(sub); !missing.ok()) return WriteError(res, missing);
  }
  WriteError(res, api::MethodNotSupportedError(sub.empty() ? std::string(path.kind->resource)
                                                            : absl::StrCat(path.kind->resource, "/", sub),
                                               m));
}

void ResourceHandlers::Get(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  auto object = store_.Get(*path.kind, path.namespace_, path.name);
  if (!object.ok()) return WriteError(res, object.status());
  if (WantsTable(req)) {
    return WriteJson(res, 200, ToTable(*path.kind, {*object}, TableInclude(req), true,
                                       api::MetaOf(**object).resource_version()));
  }
  WriteJson(res, 200, api::EncodeObject(*path.kind, **object));
}

void ResourceHandlers::List(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  auto opts = ListOptionsFrom(req, path);
  if (!opts.ok()) return WriteError(res, opts.status());
  if (auto s = ApplyPagination(req, &*opts); !s.ok()) return WriteError(res, s);
  auto list = store_.List(*path.kind, *opts);
  if (!list.ok()) return WriteError(res, list.status());
  if (WantsTable(req)) {
    json table = ToTable(*path.kind, list->items, TableInclude(req), true, std::to_string(list->revision));
    table["metadata"] = ListMetadata(*list);
    return WriteJson(res, 200, table);
  }
  json metadata = ListMetadata(*list);
  res.stream = std::make_shared<ListBody>(*path.kind, *std::move(list), std::move(metadata));
}

void ResourceHandlers::Watch(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  auto opts = ListOptionsFrom(req, path);
  if (!opts.ok()) return WriteError(res, opts.status());
  int64_t from = 0;
  if (std::string rv = req.Param("resourceVersion"); !rv.empty() && (!absl::SimpleAtoi(rv, &from) || from < 0)) {
    return WriteError(res, api::BadRequestError(absl::StrCat("invalid resourceVersion \"", rv, "\"")));
  }
  int64_t timeout_seconds = 1800;
  if (std::string t = req.Param("timeoutSeconds");
      !t.empty() && (!absl::SimpleAtoi(t, &timeout_seconds) || timeout_seconds < 0)) {
    return WriteError(res, api::BadRequestError("timeoutSeconds must be a non-negative integer"));
  }
  timeout_seconds = std::min<int64_t>(timeout_seconds, 24 * 3600);
  WatchBody::Options options{.deadline = absl::Now() + absl::Seconds(timeout_seconds),
                             .bookmarks = req.BoolParam("allowWatchBookmarks"),
                             .table = WantsTable(req),
                             .include = TableInclude(req)};
  // Kubernetes' watch media type; never compressed, so each event goes out
  // as it happens.
  res.content_type = "application/json;stream=watch";
  res.stream = std::make_shared<WatchBody>(*path.kind, store_, store_.Watch(*path.kind, *std::move(opts), from),
                                           options);
}

absl::StatusOr<store::ObjectPtr> ResourceHandlers::CreateObject(const ResourcePath& path,
                                                                std::unique_ptr<Message> object,
                                                                const WriteTarget& target) {
  const api::KindInfo& kind = *path.kind;
  api::ObjectMeta* meta = api::MutableMetaOf(object.get());
  if (kind.namespaced) {
    if (!meta->namespace_().empty() && meta->namespace_() != path.namespace_) {
      return api::BadRequestError("the namespace of the provided object does not match the namespace sent on the request");
    }
    meta->set_namespace_(path.namespace_);
  } else {
    meta->clear_namespace_();
  }
  AssignServerFields(kind, object.get());
  api::ApplyDefaults(kind, object.get());
  if (target.updater != nullptr) RecordUpdate(kind, nullptr, object.get(), *target.updater, absl::Now());
  if (auto s = api::Validate(kind, *object, nullptr); !s.ok()) return s;
  if (auto s = admission_.AdmitCreate(kind, object.get()); !s.ok()) return s;
  return target.store.Create(kind, std::move(object));
}

void ResourceHandlers::Create(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  if (path.kind->namespaced && path.namespace_.empty()) {
    return WriteError(res, api::BadRequestError("a namespaced object must be created under /namespaces/{namespace}/"));
  }
  auto write = ReadWriteRequest(req, path);
  if (!write.ok()) return WriteError(res, write.status());
  auto object = path.kind->New();
  if (auto s = DecodeWithValidation(req, res, *path.kind, write->body, object.get()); !s.ok()) return WriteError(res, s);
  store::DryRunStore dry_run_store(store_);
  auto created = CreateObject(path, std::move(object), {write->dry_run ? dry_run_store : store_, &write->owner, write->dry_run});
  if (!created.ok()) return WriteError(res, created.status());
  WriteJson(res, 201, api::EncodeObject(*path.kind, **created));
}

absl::StatusOr<store::ObjectPtr> ResourceHandlers::ReplaceObject(const ResourcePath& path,
                                                                 std::unique_ptr<Message> incoming,
                                                                 const store::ObjectPtr& current_ptr,
                                                                 const WriteTarget& target) {
  const Message& current = *current_ptr;
  const api::KindInfo& kind = *path.kind;
  api::ObjectMeta* meta = api::MutableMetaOf(incoming.get());
  if (meta->name() != path.name) {
    return api::BadRequestError(absl::StrCat("the name of the object (", meta->name(),
                                             ") does not match the name on the URL (", path.name, ")"));
  }
  if (kind.namespaced) meta->set_namespace_(path.namespace_);
  const api::ObjectMeta& before = api::MetaOf(current);
  if (!meta->uid().empty() && meta->uid() != before.uid()) {
    return api::ConflictError(kind.resource, path.name, "Precondition failed: UID in object meta does not match");
  }
  // Server-side apply computed them; any other writer's are recorded below.
  const auto applied_managed_fields = meta->managed_fields();
  std::unique_ptr<Message> result;
  const auto* status_field = kind.prototype->GetDescriptor()->FindFieldByName("status");
  const auto* spec_field = kind.prototype->GetDescriptor()->FindFieldByName("spec");
  if (path.subresource == "status") {
    // Only status changes through /status; everything else stays as stored.
    result.reset(current.New());
    result->CopyFrom(current);
    result->GetReflection()->MutableMessage(result.get(), status_field)
        ->CopyFrom(incoming->GetReflection()->GetMessage(*incoming, status_field));
    api::MutableMetaOf(result.get())->set_resource_version(meta->resource_version());
  } else {
    result = std::move(incoming);
    if (HasStatus(kind)) {
      result->GetReflection()->MutableMessage(result.get(), status_field)
          ->CopyFrom(current.GetReflection()->GetMessage(current, status_field));
    }
    api::ObjectMeta* m = api::MutableMetaOf(result.get());
    m->set_uid(before.uid());
    m->set_creation_timestamp(before.creation_timestamp());
    m->set_deletion_timestamp(before.deletion_timestamp());
    if (before.has_deletion_grace_period_seconds()) {
      m->set_deletion_grace_period_seconds(before.deletion_grace_period_seconds());
    } else {
      m->clear_deletion_grace_period_seconds();
    }
    bool spec_changed = spec_field != nullptr &&
                        !google::protobuf::util::MessageDifferencer::Equals(
                            result->GetReflection()->GetMessage(*result, spec_field),
                            current.GetReflection()->GetMessage(current, spec_field));
    m->set_generation(before.generation() + (spec_changed ? 1 : 0));
  }
  api::ApplyDefaults(kind, result.get());
  if (target.updater != nullptr) {
    RecordUpdate(kind, &current, result.get(), *target.updater, absl::Now());
  } else {
    *api::MutableMetaOf(result.get())->mutable_managed_fields() = applied_managed_fields;
  }
  if (auto s = api::Validate(kind, *result, &current); !s.ok()) return s;
  // A write that changes nothing is not a write: no new revision, no event.
  const std::string& expected = api::MetaOf(*result).resource_version();
  if (expected.empty() || expected == before.resource_version()) {
    api::MutableMetaOf(result.get())->set_resource_version(before.resource_version());
    if (google::protobuf::util::MessageDifferencer::Equals(*result, current)) {
      return current_ptr;
    }
    api::MutableMetaOf(result.get())->set_resource_version(expected);
  }
  return target.store.Update(kind, std::move(result));
}

void ResourceHandlers::Update(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  auto write = ReadWriteRequest(req, path);
  if (!write.ok()) return WriteError(res, write.status());
  auto incoming = path.kind->New();
  if (auto s = DecodeWithValidation(req, res, *path.kind, write->body, incoming.get()); !s.ok()) return WriteError(res, s);
  auto current = store_.Get(*path.kind, path.namespace_, path.name);
  if (!current.ok()) return WriteError(res, current.status());
  store::DryRunStore dry_run_store(store_);
  auto updated = ReplaceObject(path, std::move(incoming), *current,
                               {write->dry_run ? dry_run_store : store_, &write->owner, write->dry_run});
  if (!updated.ok()) return WriteError(res, updated.status());
  WriteJson(res, 200, api::EncodeObject(*path.kind, **updated));
}

void ResourceHandlers::Patch(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  std::string type = req.Header("content-type");
  bool apply = absl::StrContains(type, "apply-patch");
  auto dry_run = DryRunRequested(req);
  if (!dry_run.ok()) return WriteError(res, dry_run.status());
  auto owner = OwnerOf(req, path);
  if (!owner.ok()) return WriteError(res, owner.status());
  if (apply && req.Param("fieldManager").empty()) {
    return WriteError(res, api::InvalidError("PatchOptions", "", {{"FieldValueRequired", "fieldManager",
                                                                   "is required for apply patch"}}));
  }
  if (!apply && req.HasParam("force")) {
    return WriteError(res, api::InvalidError("PatchOptions", "", {{"FieldValueForbidden", "force",
                                                                   "may not be specified for non-apply patch"}}));
  }
  const bool force = req.BoolParam("force");
  absl::StatusOr<json> patch = apply ? api::ParseDocument(req.body) : ParseBody(req);
  if (!patch.ok()) return WriteError(res, patch.status());
  bool pinned_version = patch->is_object() && patch->contains("metadata") &&
                        (*patch)["metadata"].is_object() && (*patch)["metadata"].contains("resourceVersion");
  store::DryRunStore dry_run_store(store_);
  const WriteTarget target{*dry_run ? dry_run_store : store_, apply ? nullptr : &*owner, *dry_run};
  // Retried on conflict like Kubernetes' GuaranteedUpdate, unless the patch
  // itself pins a resourceVersion.
  for (int attempt = 0;; ++attempt) {
    auto current = store_.Get(*path.kind, path.namespace_, path.name);
    if (!current.ok() && apply && current.status().code() == absl::StatusCode::kNotFound && path.subresource.empty()) {
      auto applied = ApplyConfiguration(*path.kind, json::object(), {}, *patch, *owner, force, absl::Now());
      if (!applied.ok()) return WriteError(res, applied.status());
      auto object = path.kind->New();
      if (auto s = DecodeWithValidation(req, res, *path.kind, applied->object, object.get()); !s.ok()) {
        return WriteError(res, s);
      }
      api::MutableMetaOf(object.get())->mutable_managed_fields()->Swap(&applied->managed_fields);
      auto created = CreateObject(path, std::move(object), target);
      if (!created.ok()) return WriteError(res, created.status());
      return WriteJson(res, 201, api::EncodeObject(*path.kind, **created));
    }
    if (!current.ok()) return WriteError(res, current.status());
    // Managers are read from the stored object, never from the patched JSON.
    json doc = api::EncodeObject(*path.kind, **current, false);
    absl::Status applied;
    ManagedFields applied_managers;
    if (apply) {
      auto merged = ApplyConfiguration(*path.kind, doc, api::MetaOf(**current).managed_fields(), *patch, *owner,
                                       force, absl::Now());
      if (!merged.ok()) return WriteError(res, merged.status());
      doc = std::move(merged->object);
      applied_managers.Swap(&merged->managed_fields);
    } else {
      applied = PatchDocument(type, doc, *patch);
    }
    if (!applied.ok()) return WriteError(res, applied);
    auto incoming = path.kind->New();
    if (auto s = DecodeWithValidation(req, res, *path.kind, doc, incoming.get()); !s.ok()) return WriteError(res, s);
    if (apply) api::MutableMetaOf(incoming.get())->mutable_managed_fields()->Swap(&applied_managers);
    auto updated = ReplaceObject(path, std::move(incoming), *current, target);
    if (updated.ok()) return WriteJson(res, 200, api::EncodeObject(*path.kind, **updated));
    if (api::DetailsOf(updated.status()).reason != "Conflict" || pinned_version || attempt >= 8) {
      return WriteError(res, updated.status());
    }
  }
}

void ResourceHandlers::Scale(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  ResourcePath main = path;
  main.subresource.clear();
  if (req.method == "GET") {
    auto object = store_.Get(*path.kind, path.namespace_, path.name);
    if (!object.ok()) return WriteError(res, object.status());
    return WriteJson(res, 200, ScaleOf(**object));
  }
  auto write = ReadWriteRequest(req, path);
  if (!write.ok()) return WriteError(res, write.status());
  store::DryRunStore dry_run_store(store_);
  const WriteTarget target{write->dry_run ? dry_run_store : store_, &write->owner, write->dry_run};
  for (int attempt = 0;; ++attempt) {
    auto current = store_.Get(*path.kind, path.namespace_, path.name);
    if (!current.ok()) return WriteError(res, current.status());
    json scale = write->body;
    if (req.method == "PATCH") {
      scale = ScaleOf(**current);
      if (auto s = PatchDocument(req.Header("content-type"), scale, write->body); !s.ok()) return WriteError(res, s);
    }
    auto rescaled = Rescaled(**current, scale);
    if (!rescaled.ok()) return WriteError(res, rescaled.status());
    auto updated = ReplaceObject(main, *std::move(rescaled), *current, target);
    if (updated.ok()) return WriteJson(res, 200, ScaleOf(**updated));
    if (api::DetailsOf(updated.status()).reason != "Conflict" || req.method == "PUT" || attempt >= 8) {
      return WriteError(res, updated.status());
    }
  }
}

absl::StatusOr<ResourceHandlers::Deletion> ResourceHandlers::DeleteObject(const ResourcePath& path,
                                                                          std::optional<int64_t> grace,
                                                                          store::Preconditions preconditions,
                                                                          const std::string& propagation,
                                                                          const WriteTarget& target) {
  const api::KindInfo& kind = *path.kind;
  if (kind.kind == "Namespace") {
    if (path.name == "default" || path.name == "kube-system" || path.name == "kube-public" ||
        path.name == "kube-node-lease") {
      return absl::PermissionDeniedError(absl::StrCat("namespaces \"", path.name, "\" is forbidden: this namespace may not be deleted"));
    }
    // Marked only: the namespace lifecycle controller removes its contents
    // and then the namespace.
    auto current = store_.Get(kind, "", path.name);
    if (!current.ok()) return current.status();
    const auto& ns = static_cast<const api::Namespace&>(**current);
    if (!ns.metadata().deletion_timestamp().empty()) return Deletion{*current, false};
    if (!preconditions.uid.empty() && preconditions.uid != ns.metadata().uid()) {
      return api::ConflictError("namespaces", path.name, "Precondition failed: UID in precondition does not match");
    }
    auto marked = std::make_unique<api::Namespace>(ns);
    marked->mutable_metadata()->set_deletion_timestamp(NowRfc3339());
    marked->mutable_metadata()->set_deletion_grace_period_seconds(0);
    marked->mutable_status()->set_phase("Terminating");
    auto updated = target.store.Update(kind, std::move(marked));
    if (!updated.ok()) return updated.status();
    return Deletion{*updated, false};
  }
  if (kind.kind == "Pod") {
    auto current = store_.Get(kind, path.namespace_, path.name);
    if (!current.ok()) return current.status();
    const auto& pod = static_cast<const api::Pod&>(**current);
    int64_t period = grace.value_or(api::DefaultGracePeriod(pod));
    if (!pod.spec().node_name().empty() && period > 0) {
      if (!pod.metadata().deletion_timestamp().empty()) return Deletion{*current, false};
      auto marked = std::make_unique<api::Pod>(pod);
      api::MarkForDeletion(marked.get(), period, absl::Now());
      if (!preconditions.uid.empty() && preconditions.uid != pod.metadata().uid()) {
        return api::ConflictError("pods", path.name, "Precondition failed: UID in precondition does not match");
      }
      auto updated = target.store.Update(kind, std::move(marked));
      if (!updated.ok()) return updated.status();
      if (events_ != nullptr && !target.dry_run) {
        for (const auto& c : pod.spec().containers()) {
          events_->Record(kind, pod, {.reason = "Killing", .message = absl::StrCat("Stopping container ", c.name()),
                                      .component = absl::StrCat("gantry-agent/", pod.spec().node_name())});
        }
      }
      return Deletion{*updated, false};
    }
  }
  if (kind.kind != "Pod") {
    // Orphan and Foreground are finalizers the garbage collector acts on;
    // an object with finalizers of its own waits for them.
    auto current = store_.Get(kind, path.namespace_, path.name);
    if (!current.ok()) return current.status();
    const api::ObjectMeta& meta = api::MetaOf(**current);
    std::string finalizer = propagation == "Orphan"       ? "orphan"
                            : propagation == "Foreground" ? "foregroundDeletion"
                                                          : "";
    if (!finalizer.empty() || !meta.finalizers().empty()) {
      if (!preconditions.uid.empty() && preconditions.uid != meta.uid()) {
        return api::ConflictError(kind.resource, path.name, "Precondition failed: UID in precondition does not match");
      }
      std::unique_ptr<Message> marked((*current)->New());
      marked->CopyFrom(**current);
      api::ObjectMeta* m = api::MutableMetaOf(marked.get());
      if (m->deletion_timestamp().empty()) {
        m->set_deletion_timestamp(NowRfc3339());
        m->set_deletion_grace_period_seconds(0);
      }
      if (!finalizer.empty() && std::find(m->finalizers().begin(), m->finalizers().end(), finalizer) == m->finalizers().end()) {
        m->add_finalizers(finalizer);
      }
      if (google::protobuf::util::MessageDifferencer::Equals(*marked, **current)) return Deletion{*current, false};
      auto updated = target.store.Update(kind, std::move(marked));
      if (!updated.ok()) return updated.status();
      return Deletion{*updated, false};
    }
  }
  auto deleted = target.store.Delete(kind, path.namespace_, path.name, std::move(preconditions));
  if (!deleted.ok()) return deleted.status();
  return Deletion{*deleted, true};
}

void ResourceHandlers::Delete(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  auto options = DeleteOptionsFrom(req);
  if (!options.ok()) return WriteError(res, options.status());
  auto dry_run = DryRunRequested(req, options->dry_run);
  if (!dry_run.ok()) return WriteError(res, dry_run.status());
  store::DryRunStore dry_run_store(store_);
  auto deletion = DeleteObject(path, options->grace, options->preconditions, options->propagation,
                               {*dry_run ? dry_run_store : store_, nullptr, *dry_run});
  if (!deletion.ok()) return WriteError(res, deletion.status());
  // As kube-apiserver answers: the object while it terminates, and for pods
  // always; a Status naming what went otherwise.
  if (!deletion->gone || path.kind->kind == "Pod") {
    return WriteJson(res, 200, api::EncodeObject(*path.kind, *deletion->object));
  }
  const api::ObjectMeta& meta = api::MetaOf(*deletion->object);
  json status = SuccessStatus();
  status["details"] = {{"name", meta.name()}, {"group", std::string(path.kind->group)},
                       {"kind", std::string(path.kind->resource)}, {"uid", meta.uid()}};
  WriteJson(res, 200, status);
}

void ResourceHandlers::Bind(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  auto body = ParseBody(req);
  if (!body.ok()) return WriteError(res, body.status());
  api::Binding binding;
  if (auto s = api::DecodeJson(*body, &binding, nullptr); !s.ok()) return WriteError(res, s);
  const std::string& node = binding.target().name();
  if (node.empty()) {
    return WriteError(res, api::InvalidError("Binding", path.name, {api::RequiredCause("target.name")}));
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto current = store_.Get(*path.kind, path.namespace_, path.name);
    if (!current.ok()) return WriteError(res, current.status());
    const auto& pod = static_cast<const api::Pod&>(**current);
    if (!binding.metadata().uid().empty() && binding.metadata().uid() != pod.metadata().uid()) {
      return WriteError(res, api::ConflictError("pods", path.name, "the pod was recreated"));
    }
    if (!pod.metadata().deletion_timestamp().empty()) {
      return WriteError(res, api::ConflictError("pods", path.name, "the pod is being deleted"));
    }
    if (!pod.spec().node_name().empty()) {
      return WriteError(res, api::ConflictError("pods", path.name,
                                                absl::StrCat("pod ", path.name, " is already assigned to node \"",
                                                             pod.spec().node_name(), "\"")));
    }
    auto bound = std::make_unique<api::Pod>(pod);
    bound->mutable_spec()->set_node_name(node);
    api::SetPodCondition(*bound, "PodScheduled", "True", "", "");
    auto updated = store_.Update(*path.kind, std::move(bound));
    if (updated.ok()) return WriteJson(res, 201, SuccessStatus());
    if (api::DetailsOf(updated.status()).reason != "Conflict") return WriteError(res, updated.status());
  }
  WriteError(res, api::ConflictError("pods", path.name, "too many concurrent changes"));
}

void ResourceHandlers::Log(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  auto current = store_.Get(*path.kind, path.namespace_, path.name);
  if (!current.ok()) return WriteError(res, current.status());
  const auto& pod = static_cast<const api::Pod&>(**current);
  std::string container = req.Param("container");
  std::vector<std::string> names;
  for (const auto& c : pod.spec().containers()) names.push_back(c.name());
  if (container.empty() && names.size() == 1) container = names[0];
  if (container.empty()) {
    return WriteError(res, api::BadRequestError(absl::StrCat("a container name must be specified for pod ", path.name,
                                                             ", choose one of: [", absl::StrJoin(names, " "), "]")));
  }
  const bool init = std::any_of(pod.spec().init_containers().begin(), pod.spec().init_containers().end(),
                                [&](const api::Container& c) { return c.name() == container; });
  if (!init && std::find(names.begin(), names.end(), container) == names.end()) {
    return WriteError(res, api::BadRequestError(absl::StrCat("container ", container, " is not valid for pod ", path.name)));
  }
  if (pod.spec().node_name().empty()) {
    return WriteError(res, api::BadRequestError(absl::StrCat("container \"", container, "\" in pod \"", path.name,
                                                             "\" is waiting to start: the pod is not scheduled")));
  }
  if (logs_ == nullptr) return WriteError(res, absl::UnavailableError("this server relays no logs"));
  api::LogRequest request;
  request.mutable_pod()->set_node_name(pod.spec().node_name());
  request.mutable_pod()->set_namespace_(path.namespace_);
  request.mutable_pod()->set_name(path.name);
  request.mutable_pod()->set_uid(pod.metadata().uid());
  request.set_container(container);
  int64_t tail = -1;
  if (std::string t = req.Param("tailLines"); !t.empty() && !absl::SimpleAtoi(t, &tail)) {
    return WriteError(res, api::BadRequestError("tailLines must be an integer"));
  }
  request.set_tail_lines(tail);
  int64_t limit_bytes = -1;
  if (std::string l = req.Param("limitBytes"); !l.empty() && (!absl::SimpleAtoi(l, &limit_bytes) || limit_bytes <= 0)) {
    return WriteError(res, api::InvalidError("PodLogOptions", "", {api::InvalidCause("limitBytes", l, "must be greater than 0")}));
  }
  if (std::string since = req.Param("sinceSeconds"); !since.empty()) {
    int64_t seconds;
    if (!absl::SimpleAtoi(since, &seconds) || seconds <= 0) {
      return WriteError(res, api::InvalidError("PodLogOptions", "", {api::InvalidCause("sinceSeconds", since, "must be greater than 0")}));
    }
    request.set_since_time_ns(absl::ToUnixNanos(absl::Now() - absl::Seconds(seconds)));
  }
  if (std::string since = req.Param("sinceTime"); !since.empty()) {
    auto at = ParseRfc3339(since);
    if (!at) return WriteError(res, api::InvalidError("PodLogOptions", "", {api::InvalidCause("sinceTime", since, "must be an RFC 3339 time")}));
    if (request.since_time_ns() > 0) {
      return WriteError(res, api::InvalidError("PodLogOptions", "", {api::InvalidCause("sinceTime", since, "at most one of sinceTime or sinceSeconds may be specified")}));
    }
    request.set_since_time_ns(absl::ToUnixNanos(*at));
  }
  request.set_timestamps(req.BoolParam("timestamps"));
  request.set_previous(req.BoolParam("previous"));
  request.set_follow(req.BoolParam("follow") && !request.previous());  // a previous instance has ended
  auto reader = logs_->Open(pod.spec().node_name(), request);
  if (!reader.ok()) return WriteError(res, reader.status());
  res.content_type = "text/plain";
  res.stream = std::make_shared<LogBody>(*std::move(reader), limit_bytes);
}

void ResourceHandlers::Evict(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path) {
  std::optional<int64_t> grace;
  std::vector<std::string> dry_run_values;
  if (!req.body.empty()) {
    auto body = ParseBody(req);
    if (!body.ok()) return WriteError(res, body.status());
    api::Eviction eviction;
    if (auto s = api::DecodeJson(*body, &eviction, nullptr); !s.ok()) return WriteError(res, s);
    dry_run_values.assign(eviction.delete_options().dry_run().begin(), eviction.delete_options().dry_run().end());
    if (eviction.delete_options().has_grace_period_seconds()) {
      grace = eviction.delete_options().grace_period_seconds();
      if (*grace < 0) {
        return WriteError(res, api::InvalidError("Eviction", path.name,
                                                 {api::InvalidCause("deleteOptions.gracePeriodSeconds", std::to_string(*grace),
                                                                   "must be greater than or equal to 0")}));
      }
    }
  }
  ResourcePath target = path;
  target.subresource.clear();
  auto dry_run = DryRunRequested(req, std::move(dry_run_values));
  if (!dry_run.ok()) return WriteError(res, dry_run.status());
  store::DryRunStore dry_run_store(store_);
  auto deleted = DeleteObject(target, grace, {}, "", {*dry_run ? dry_run_store : store_, nullptr, *dry_run});
  if (!deleted.ok()) return WriteError(res, deleted.status());
  json status = SuccessStatus();
  status["code"] = 201;
  WriteJson(res, 201, status);
}

}  // namespace gantry::apiserver
