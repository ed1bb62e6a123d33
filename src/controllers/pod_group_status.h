// The PodGroup status controller: keeps every PodGroup's status (all three
// shapes) current from its member pods, in the shape's own vocabulary
// (api/gang.h): counts, the phase (Scheduled once minMember are bound,
// Running once minMember run, then Finished/Completed or Failed), and the
// timeout: when scheduleTimeoutSeconds pass after the first member appeared
// without minMember bound, the status says so and a Warning Event is
// recorded (the gang keeps being retried). Members with different
// priorities get a Warning Event on the group. Fed by store watches; writes
// are compare-and-swap, so a concurrent change is simply seen again.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/time/time.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/gang.h"
#include "store/store.h"

namespace gantry::controllers {

class PodGroupStatusController {
 public:
  explicit PodGroupStatusController(store::Store& store);
  ~PodGroupStatusController();

  absl::Status Start();
  void Stop();

  // One pass over the groups marked changed, and over those whose timeout
  // has come; on the calling thread (the controller's, or a test).
  void Reconcile(absl::Time now);

 private:
  struct Member {
    bool bound = false;
    std::string phase;
    int32_t priority = 0;
  };
  struct Gang {
    const api::PodGroupShape* shape = nullptr;
    std::shared_ptr<const google::protobuf::Message> group;  // nullptr until its PodGroup is seen
    api::GangSpec spec;  // read from `group` when it arrives
    absl::flat_hash_map<std::string, Member> members;
    absl::Time first_member = absl::InfiniteFuture();
    bool timeout_reported = false;
    bool priority_warned = false;
  };

  void OnPod(const store::WatchEvent& event);
  void OnGroup(const store::WatchEvent& event);
  void Mark(const std::string& key);
  void Run(std::stop_token stop);

  store::Store& store_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  absl::flat_hash_map<std::string, Gang> gangs_;  // by GangRef::Key
  std::vector<std::string> dirty_;
  std::vector<std::shared_ptr<store::WatchStream>> streams_;
  std::vector<std::jthread> watches_;
  std::jthread loop_;
};

}  // namespace gantry::controllers
