// The REST verbs on resources: get, list, watch, create, update, patch,
// delete, and the pods/status, pods/binding and pods/eviction subresources.
#pragma once

#include "apiserver/http/http_request.h"
#include "apiserver/http/http_response.h"

#include <atomic>

#include "apiserver/admission.h"
#include "apiserver/field_manager.h"
#include "apiserver/request_path.h"
#include "store/event_recorder.h"
#include "store/store.h"

namespace gantry::apiserver {

class LogRelay;

class ResourceHandlers {
 public:
  // `stopping` ends open watch streams when the server shuts down.
  // `logs` (may be null) serves pods/log from the agents.
  // `events` (may be null) gets Killing when a bound pod's deletion starts.
  ResourceHandlers(store::Store& store, const std::atomic<bool>& stopping, LogRelay* logs,
                   store::EventRecorder* events);

  void Handle(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);

 private:
  void Get(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void List(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void Watch(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void Create(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void Update(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void Patch(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void Delete(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void Bind(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void Evict(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  void Log(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);
  // GET, PUT and PATCH of deployments|replicasets/{name}/scale.
  void Scale(const http::HttpRequest& req, http::HttpResponse& res, const ResourcePath& path);

  // Where a write goes (the store, or a dry run's view of it) and who makes
  // it: `updater` has its changes recorded in managedFields; null means the
  // object's managedFields were set by server-side apply.
  struct WriteTarget {
    store::Store& store;
    const FieldOwner* updater = nullptr;
    bool dry_run = false;
  };
  // Shared by create and server-side apply of an absent object.
  absl::StatusOr<store::ObjectPtr> CreateObject(const ResourcePath& path,
                                                std::unique_ptr<google::protobuf::Message> object,
                                                const WriteTarget& target);
  // Shared by update, patch and the status subresource.
  absl::StatusOr<store::ObjectPtr> ReplaceObject(const ResourcePath& path,
                                                 std::unique_ptr<google::protobuf::Message> incoming,
                                                 const store::ObjectPtr& current, const WriteTarget& target);
  struct Deletion {
    store::ObjectPtr object;  // the last state, or the marked object
    bool gone = false;        // false while it terminates
  };
  // Graceful for pods bound to a node (deletionTimestamp now, removal when the
  // node confirms) and for namespaces (marked Terminating, emptied and
  // removed by the namespace lifecycle controller), immediate otherwise.
  // `propagation` (Orphan, Foreground) marks the object with the finalizer
  // the garbage collector acts on; Background (or none) removes it, and the
  // collector deletes its dependents once it is gone.
  absl::StatusOr<Deletion> DeleteObject(const ResourcePath& path, std::optional<int64_t> grace,
                                        store::Preconditions preconditions, const std::string& propagation,
                                        const WriteTarget& target);

  store::Store& store_;
  Admission admission_;
  const std::atomic<bool>& stopping_;
  LogRelay* const logs_;
  store::EventRecorder* const events_;
};

}  // namespace gantry::apiserver
