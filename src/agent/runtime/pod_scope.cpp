#include "agent/runtime/pod_scope.h"

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "agent/runtime/cgroup_files.h"

extern char** environ;

namespace gantry::agent {
namespace {

constexpr char kHolderLeaf[] = "holder";

// Runs `argv` detached (setsid --fork: its child is re-parented, never ours
// to reap) and waits for setsid itself.
absl::Status SpawnDetached(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"/usr/bin/setsid", "--fork"});
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return absl::InternalError(absl::StrCat("starting ", argv[2], ": ", strerror(spawned)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("setsid --fork ", argv[2], " failed"));
  }
  return absl::OkStatus();
}

bool HasProcesses(const std::string& dir) { return !ReadCgroupPids(dir + "/cgroup.procs").empty(); }

// Polls for the holder systemd-run or the shell puts in `dir`.
bool WaitForProcess(const std::string& dir) {
  for (int i = 0; i < 100; ++i) {
    if (HasProcesses(dir)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

std::optional<PodScope> PodScopeFor(const std::string& own_unit) {
  std::filesystem::path unit(own_unit);
  std::string slice = unit.parent_path().filename().string();
  if (!absl::EndsWith(unit.filename().string(), ".service") || !absl::EndsWith(slice, ".slice")) return std::nullopt;
  return PodScope{slice, absl::StrCat(unit.parent_path().string(), "/", kPodScopeUnit)};
}

absl::Status StartScopeWithSystemdRun(const std::string& slice_unit, const std::string& scope_unit) {
  if (!std::filesystem::exists("/run/systemd/system")) {
    return absl::FailedPreconditionError("systemd is not the service manager here (no /run/systemd/system)");
  }
  return SpawnDetached({"/usr/bin/systemd-run", "--scope", "--quiet", absl::StrCat("--unit=", scope_unit),
                        absl::StrCat("--slice=", slice_unit), "--property=Delegate=yes",
                        "--description=gantry pods (kept across restarts of the gantry service)", "--", "sleep",
                        "infinity"});
}

absl::StatusOr<std::string> EnsurePodScope(const std::string& unified_root, const std::string& own_unit,
                                           const ScopeStarter& start) {
  std::optional<PodScope> scope = PodScopeFor(own_unit);
  if (!scope) return absl::NotFoundError(absl::StrCat(own_unit, " is not a systemd service in a slice"));
  std::string dir = unified_root + scope->cgroup;
  std::string holder = absl::StrCat(dir, "/", kHolderLeaf);
  if (!std::filesystem::exists(dir)) {
    if (absl::Status started = start(scope->slice_unit, kPodScopeUnit); !started.ok()) return started;
    if (!WaitForProcess(dir)) return absl::DeadlineExceededError(absl::StrCat(dir, " has no process 5 s after its start"));
  } else if (!HasProcesses(holder)) {
    // Pods keep the scope now; a new holder keeps it once they are gone. The
    // shell joins the holder leaf itself, then becomes the holder.
    std::error_code ec;
    std::filesystem::create_directories(holder, ec);
    if (ec) return absl::InternalError(absl::StrCat("creating ", holder, ": ", ec.message()));
    absl::Status spawned =
        SpawnDetached({"/bin/sh", "-c", "echo $$ > \"$1/cgroup.procs\" && exec sleep infinity", "sh", holder});
    if (!spawned.ok()) return spawned;
    if (!WaitForProcess(holder)) return absl::DeadlineExceededError(absl::StrCat(holder, " got no process"));
  }
  // The scope's own cgroup must hold no process to hand controllers down.
  if (absl::Status moved = MoveProcessesToLeaf(dir, kHolderLeaf); !moved.ok()) return moved;
  return scope->cgroup;
}

}  // namespace gantry::agent
