#include "agent/network/pod_network.h"

#include <absl/strings/str_cat.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/files.h"
#include "common/log_format.h"

extern char** environ;

namespace fs = std::filesystem;

namespace gantry::agent {
namespace {

constexpr absl::Duration kPluginTimeout = absl::Seconds(30);

bool Executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

bool HaveIptables() {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    if (Executable(absl::StrCat(dir, "/iptables"))) return true;
  }
  return false;
}

// A new network namespace pinned at `path`. Made on a thread of its own:
// unshare(CLONE_NEWNET) moves only the calling thread, which then ends.
absl::Status MakeNetns(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return absl::InternalError(absl::StrCat("creating ", path, ": ", strerror(errno)));
  close(fd);
  absl::Status made;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      made = absl::InternalError(absl::StrCat("unshare of a network namespace: ", strerror(errno)));
      return;
    }
    if (mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      made = absl::InternalError(absl::StrCat("pinning the network namespace at ", path, ": ", strerror(errno)));
    }
  }).join();
  if (!made.ok()) unlink(path.c_str());
  return made;
}

}  // namespace

PodNetwork::PodNetwork(PodNetworkOptions options) : options_(std::move(options)), masquerade_(HaveIptables()) {}

std::unique_ptr<PodNetwork> PodNetwork::Detect(PodNetworkOptions options, std::string* why) {
  if (options.pod_cidr.empty()) {
    *why = "the node has no podCIDR";
    return nullptr;
  }
  for (const char* plugin : {"bridge", "host-local", "loopback"}) {
    std::string path = absl::StrCat(options.plugin_dir, "/", plugin);
    if (!Executable(path)) {
      *why = absl::StrCat("the CNI plugin ", path, " is missing (Debian: apt-get install containernetworking-plugins)");
      return nullptr;
    }
  }
  std::error_code ec;
  fs::create_directories(options.data_dir + "/netns", ec);
  fs::create_directories(options.data_dir + "/cni", ec);
  return std::unique_ptr<PodNetwork>(new PodNetwork(std::move(options)));
}

std::string PodNetwork::NetnsPath(const std::string& uid) const { return absl::StrCat(options_.data_dir, "/netns/", uid); }

std::string PodNetwork::BridgeConfig() const {
  nlohmann::json range = nlohmann::json::object({{"subnet", options_.pod_cidr}});
  nlohmann::json route = nlohmann::json::object({{"dst", "0.0.0.0/0"}});
  nlohmann::json ipam = nlohmann::json::object({{"type", "host-local"},
                                                {"ranges", nlohmann::json::array({nlohmann::json::array({range})})},
                                                {"routes", nlohmann::json::array({route})},
                                                {"dataDir", options_.data_dir + "/cni/networks"}});
  nlohmann::json config = nlohmann::json::object({{"cniVersion", "1.0.0"},
                                                  {"name", "gantry"},
                                                  {"type", "bridge"},
                                                  {"bridge", options_.bridge},
                                                  {"isGateway", true},
                                                  {"ipMasq", masquerade_},
                                                  {"ipam", ipam}});
  return config.dump();
}

absl::StatusOr<std::string> PodNetwork::RunPlugin(const std::string& plugin, const std::string& command,
                                                  const std::string& uid, const std::string& config) const {
  std::string path = absl::StrCat(options_.plugin_dir, "/", plugin);
  std::vector<std::string> env_storage = {
      "CNI_COMMAND=" + command,    "CNI_CONTAINERID=" + uid, "CNI_NETNS=" + NetnsPath(uid),
      "CNI_IFNAME=" + std::string(plugin == "loopback" ? "lo" : "eth0"),
      "CNI_PATH=" + options_.plugin_dir, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::string arg0 = path;
  char* argv[] = {arg0.data(), nullptr};
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (spawned != 0) {
    close(in[1]);
    close(out[0]);
    return absl::InternalError(absl::StrCat("starting ", path, ": ", strerror(spawned)));
  }
  (void)!write(in[1], config.data(), config.size());
  close(in[1]);
  std::string output;
  char buffer[4096];
  absl::Time deadline = absl::Now() + kPluginTimeout;
  bool timed_out = false;
  while (true) {
    int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    pollfd p{out[0], POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) == 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < (1 << 20)) output.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return absl::DeadlineExceededError(absl::StrCat(path, " ", command, " did not finish"));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // A CNI error is a JSON object with "msg" on stdout.
    auto error = nlohmann::json::parse(output, nullptr, false);
    std::string message = error.is_object() ? error.value("msg", output) : output;
    return absl::InternalError(absl::StrCat("CNI ", plugin, " ", command, " failed: ", message));
  }
  return output;
}

absl::StatusOr<std::string> PodNetwork::SetUp(const std::string& uid) {
  std::string netns = NetnsPath(uid);
  std::string ip_file = netns + ".ip";
  if (auto known = ReadFile(ip_file); known.ok() && !known->empty() && fs::exists(netns)) return *known;
  if (!fs::exists(netns)) {
    if (auto s = MakeNetns(netns); !s.ok()) return s;
  }
  auto added = RunPlugin("loopback", "ADD", uid, R"({"cniVersion":"1.0.0","name":"lo","type":"loopback"})");
  if (!added.ok()) return added.status();
  added = RunPlugin("bridge", "ADD", uid, BridgeConfig());
  if (!added.ok()) return added.status();
  auto result = nlohmann::json::parse(*added, nullptr, false);
  std::string address;
  if (result.is_object() && result.contains("ips") && result["ips"].is_array() && !result["ips"].empty()) {
    address = result["ips"][0].value("address", "");
  }
  std::string ip = address.substr(0, address.find('/'));
  if (ip.empty()) return absl::InternalError(absl::StrCat("the CNI bridge plugin gave no address: ", *added));
  if (auto s = WriteFileAtomic(ip_file, ip, 0644, Durability::kProcessOnly); !s.ok()) return s;
  return ip;
}

void PodNetwork::TearDown(const std::string& uid) {
  std::string netns = NetnsPath(uid);
  if (!fs::exists(netns)) return;
  if (auto s = RunPlugin("bridge", "DEL", uid, BridgeConfig()); !s.ok()) spdlog::warn("runtime: pod {}: {}", uid, s.status());
  if (umount2(netns.c_str(), MNT_DETACH) != 0 && errno != EINVAL) {
    spdlog::warn("runtime: unpinning {}: {}", netns, strerror(errno));
  }
  std::error_code ec;
  fs::remove(netns, ec);
  fs::remove(netns + ".ip", ec);
}

}  // namespace gantry::agent
